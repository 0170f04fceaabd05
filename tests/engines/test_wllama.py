"""wllama with the embedded SmolLM2 model, in real Chromium, loaded from a store."""
import pytest

from tests.conftest import run_py

pytestmark = pytest.mark.browser

GREEDY = "GenerationOptions(max_tokens={n}, temperature=0, extra={{'cache_prompt': False}})"
ASK = "[{'role': 'user', 'content': %r}]"


@pytest.fixture(scope="module")
def wllama_page(embedded_page):
    progress = run_py(embedded_page, """
from app.engines.base import GenerationOptions
from app.engines.wllama import WllamaEngine
engine = WllamaEngine()
progress = []
await engine.load(model, store, lambda fraction, text: progress.append([fraction, text]))
progress
""")
    fractions = [p[0] for p in progress]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1
    yield embedded_page
    run_py(embedded_page, "await engine.unload()")


def test_info_says_what_it_runs_on(wllama_page):
    info = run_py(wllama_page, "import dataclasses; dataclasses.asdict(engine.info())")
    assert info["engine"] == "wllama" and info["model"] == "smollm2-135m-instruct-q4_1"
    assert info["context_size"] == 2048
    # Headless SwiftShader has no shader-f16: CPU wasm, with 2+ threads (the page is isolated).
    assert info["backend"] == "wasm"
    assert info["threads"] >= 2
    assert info["runs_on"] == ("WebGPU adapter without shader-f16 (SwiftShader, a software GPU): "
                               f"wllama runs on the CPU, {info['threads']} threads")


def test_streamed_deltas_join_into_the_final_text(wllama_page):
    result = run_py(wllama_page, f"""
from app.compat import to_js_object
msgs = {ASK % "Name three colours."}
deltas = [d async for d in engine.chat(msgs, {GREEDY.format(n=16)})]
# The same request without streaming, straight to wllama: the reference final text.
whole = await engine._wllama.createChatCompletion(to_js_object(
    {{"messages": msgs, "max_tokens": 16, "temperature": 0, "cache_prompt": False}}))
[deltas, whole.choices[0].message.content, engine.last_reply.finish]
""")
    deltas, final, finish = result
    assert len(deltas) > 3 and all(isinstance(d, str) and d for d in deltas)
    assert "".join(deltas) == final
    assert finish in ("stop", "length")


def test_greedy_without_prompt_cache_is_deterministic(wllama_page):
    first, second = run_py(wllama_page, f"""
msgs = {ASK % "What is a to-do list?"}
["".join([d async for d in engine.chat(msgs, {GREEDY.format(n=12)})]) for _ in range(2)]
""")
    assert first and first == second


def test_stop_mid_stream_ends_the_reply_promptly(wllama_page):
    got, after_stop, finish, tokens = run_py(wllama_page, f"""
deltas, after_stop = [], 0
async for d in engine.chat({ASK % "Write a long story about a dragon who keeps a to-do list."},
                           {GREEDY.format(n=200)}):
    deltas.append(d)
    if len(deltas) == 5:
        engine.stop()
    elif len(deltas) > 5:
        after_stop += 1
[len(deltas), after_stop, engine.last_reply.finish, engine.last_reply.tokens]
""")
    assert finish == "aborted"
    assert 5 <= got < 200 and tokens < 200
    assert after_stop <= 3      # the abort lands at the next token, not at max_tokens


def test_engine_answers_again_after_a_stop(wllama_page):
    text = run_py(wllama_page, f"""
"".join([d async for d in engine.chat({ASK % "Say hello."}, {GREEDY.format(n=8)})])
""")
    assert text.strip()


def test_bad_input_gets_a_clear_error(wllama_page):
    with pytest.raises(Exception, match="unknown message role"):
        run_py(wllama_page, "[d async for d in engine.chat([{'role': 'robot', 'content': 'x'}])]")
