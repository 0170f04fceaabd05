"""Switching engines in the browser: loading a model for another engine unloads the
previous one (its worker / GPU task is gone), through the shared ActiveEngine."""
import pytest

from tests.conftest import run_py
from tests.engines.conftest import STORE_TINY_GEMMA

pytestmark = pytest.mark.browser


def test_switching_engines_unloads_the_previous_one(embedded_page):
    run_py(embedded_page, STORE_TINY_GEMMA)
    states = run_py(embedded_page, """
from app.engines.active import ActiveEngine
switcher = ActiveEngine()
states = []
llama = await switcher.load(model, store)
states.append([llama.name, llama.loaded, llama._wllama is not None])
gemma = await switcher.load(tiny, store)
states.append([gemma.name, gemma.loaded, llama.loaded, llama._wllama is None])
llama_again = await switcher.load(model, store)
states.append([llama_again.name, llama_again.loaded, gemma.loaded, gemma._llm is None])
await switcher.unload()
states.append([switcher.loaded])
states
""")
    assert states == [["wllama", True, True],
                      ["mediapipe", True, False, True],
                      ["wllama", True, False, True],
                      [False]]
