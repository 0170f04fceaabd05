"""web-llm, offline: no model can run here (every model needs a compiled library from the
network), so these tests cover what can: model selection on this adapter, filling web-llm's
cache from a local mirror under the exact URLs it requests (it then requests none of them),
progress, deleting a cached model, and a clear error (not a hang) when the library is missing."""
import pytest

from tests.conftest import run_py
from tests.engines.conftest import MIRROR_MODEL

pytestmark = pytest.mark.browser

SETUP = f"""
from app.compat import js
from app.engines.base import EngineError
from app.engines.jsmodules import site_url
from app.engines.webllm import WebLlmEngine, prefill_cache, prebuilt_records
record = {{"model": "https://huggingface.co/mlc-ai/{MIRROR_MODEL}",
          "model_id": "{MIRROR_MODEL}",
          "model_lib": site_url("webllm-libs/{MIRROR_MODEL}-webgpu.wasm"),   # not served: 404
          "vram_required_MB": 10.0, "overrides": {{"context_window_size": 512}}}}
mirror = "mirror/mlc-ai/{MIRROR_MODEL}/resolve/main/"
"""


def test_prebuilt_list_is_filtered_by_the_adapter_features(module_page):
    result = run_py(module_page, SETUP + """
from app.engines import hardware
from app.engines.webllm_models import choices
hw = await hardware.probe()
records = await prebuilt_records()
usable = choices(records, hw.features)
[len(records), [c.model_id for c in usable], [c.vram_mb for c in usable],
 any(c.size_estimate for c in usable), "shader-f16" in hw.features]
""")
    total, usable, vram, sized, has_f16 = result
    assert total > 100 and not has_f16          # SwiftShader: no shader-f16
    assert usable and all("f32" in m for m in usable)
    assert vram == sorted(vram) and sized


def test_cache_prefill_from_a_mirror_then_load_requests_nothing_cached_and_fails_clearly(
        module_page):
    requests = []
    module_page.context.on("request", lambda r: requests.append(r.url))
    result = run_py(module_page, SETUP + """
files = {}
for name in ("mlc-chat-config.json", "tokenizer.json", "tensor-cache.json", "params_shard_0.bin"):
    files[name] = await (await js.fetch(mirror + name)).blob()
engine = WebLlmEngine()
before = await engine.is_cached(record)
await prefill_cache(record, files)
after = await engine.is_cached(record)          # web-llm's own check: manifest + every shard
steps, error = [], None
try:
    await engine.load({"id": "fake", "engine": "web-llm", "webllm": {"record": record}}, None,
                      lambda fraction, text: steps.append(fraction))
except EngineError as exc:
    error = str(exc)
await engine.delete_cached(record)
[before, after, error, steps, await engine.is_cached(record), engine.loaded]
""")
    before, after, error, steps, still_cached, loaded = result
    assert before is False and after is True
    assert error and "model library could not be downloaded" in error
    assert steps and steps[0] == 0
    assert still_cached is False and loaded is False
    lib_requests = [u for u in requests if "webllm-libs" in u]
    assert lib_requests                                     # the one thing not cached
    assert not [u for u in requests if "huggingface" in u]  # cached files were not requested


def test_models_panel_lists_runnable_models_with_vram_and_size(module_page):
    section = module_page.get_by_role("region", name="web-llm models")
    section.get_by_role("button", name="Show web-llm models").click()
    section.get_by_role("status").filter(has_text="prebuilt models fit this GPU").wait_for(
        timeout=60_000)
    table = section.get_by_role("table")
    assert "f32 builds only" in table.inner_text()
    rows = table.get_by_role("row").all()[1:]
    assert rows and all("f32" in r.get_by_role("rowheader").inner_text() for r in rows)
    assert "MiB" in rows[0].inner_text() and "≈" in table.inner_text()
