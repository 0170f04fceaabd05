"""Pure engine logic, in CPython: backend choice, request shapes, catalog keys, asset paths."""
import pytest

from app.engines import jsmodules
from app.engines.base import EngineError, GenerationOptions, Message
from app.download.catalog import store_key
from app.engines.hardware import Hardware, adapter_kind, no_gpu_reason, runs_on, wasm_threads
from app.engines.messages import normalize
from app.engines.runtime import model_files
from app.engines.wllama import plan, request_params
from tools import pins

F16 = frozenset({"shader-f16"})


@pytest.mark.parametrize("hw, expected", [
    (Hardware(webgpu=True, features=F16, isolated=True, cores=8), ("webgpu", 8, 999)),
    (Hardware(webgpu=True, features=frozenset(), isolated=True, cores=2), ("wasm", 2, 0)),
    (Hardware(webgpu=False, isolated=True, cores=1), ("wasm", 2, 0)),
    (Hardware(webgpu=False, isolated=False, cores=8), ("wasm", 1, 0)),
    (Hardware(webgpu=True, features=F16, isolated=False, cores=8), ("webgpu", 1, 999)),
    (Hardware(webgpu=False, isolated=True, cores=128), ("wasm", 16, 0)),
])
def test_wllama_plan(hw, expected):
    chosen = plan(hw)
    assert (chosen.backend, chosen.threads, chosen.gpu_layers) == expected


def test_threads_are_explicit_and_need_isolation():
    assert wasm_threads(Hardware(isolated=False, cores=16)) == 1
    assert wasm_threads(Hardware(isolated=True, cores=2)) == 2


def test_request_params_carry_every_option():
    opts = GenerationOptions(max_tokens=7, temperature=0, top_k=1, top_p=0.5, seed=3,
                             extra={"cache_prompt": False})
    params = request_params([Message("user", "hi")], opts)
    assert params == {"messages": [{"role": "user", "content": "hi"}], "stream": True,
                      "max_tokens": 7, "temperature": 0.0, "top_k": 1, "top_p": 0.5,
                      "seed": 3, "cache_prompt": False}
    default = request_params([{"role": "user", "content": "x"}], GenerationOptions())
    assert "seed" not in default
    assert default["cache_prompt"] is True        # the app reuses the prompt cache


def test_messages_are_checked():
    assert normalize([{"role": "system", "content": None}]) == [{"role": "system", "content": ""}]
    with pytest.raises(EngineError, match="unknown message role"):
        normalize([{"role": "tool", "content": "x"}])
    with pytest.raises(EngineError, match="empty"):
        normalize([])


def test_catalog_keys_follow_the_store_convention():
    model = {"id": "m", "name": "M", "files": [{"name": "a.GGUF"}, {"name": "b.json"}]}
    assert store_key(model["id"], model["files"][0]["name"]) == "m/a.GGUF"
    assert model_files(model, ".gguf", what="GGUF file") == [{"name": "a.GGUF"}]
    with pytest.raises(EngineError, match="M has no MediaPipe model file"):
        model_files(model, ".bin", ".task", what="MediaPipe model file")


def test_runtime_dirs_match_the_vendored_pins():
    targets = {a.target + "/" for a in pins.NPM_ASSETS}
    for path in (jsmodules.WLLAMA_DIR, jsmodules.TASKS_GENAI_DIR, jsmodules.WEBLLM_DIR):
        assert path.removeprefix("wasm/") in targets


SWIFTSHADER = {"vendor": "google", "architecture": "swiftshader"}


@pytest.mark.parametrize("hw, engine, backend, threads, expected", [
    (Hardware(webgpu_api=False, isolated=True, cores=2), "wllama", "wasm", 2,
     "No WebGPU in this browser: wllama runs on the CPU, 2 threads"),
    (Hardware(webgpu=False, isolated=True, cores=2), "wllama", "wasm", 2,
     "No GPU available (WebGPU offers no adapter): wllama runs on the CPU, 2 threads"),
    (Hardware(webgpu=True, isolated=True, cores=2, adapter=SWIFTSHADER), "wllama", "wasm", 2,
     "WebGPU adapter without shader-f16 (SwiftShader, a software GPU): wllama runs on the CPU, "
     "2 threads"),
    (Hardware(webgpu=True, features=F16, isolated=True, cores=8,
              adapter={"vendor": "nvidia", "architecture": "hopper"}), "wllama", "webgpu", 8,
     "GPU (nvidia hopper) with shader-f16: wllama runs on WebGPU"),
    (Hardware(webgpu=True, isolated=True, adapter=SWIFTSHADER), "MediaPipe", "webgpu", 1,
     "SwiftShader, a software GPU without shader-f16: MediaPipe runs on WebGPU (slower f32 paths)"),
    (Hardware(webgpu=False, isolated=False, cores=8), "wllama", "wasm", 1,
     "No GPU available (WebGPU offers no adapter): wllama runs on the CPU, 1 thread "
     "(the page is not cross-origin isolated)"),
    (Hardware(webgpu=True, features=F16), "wllama", "wasm", 1,
     "GPU with shader-f16, not used: wllama runs on the CPU, 1 thread "
     "(the page is not cross-origin isolated)"),
])
def test_runs_on_says_what_and_why(hw, engine, backend, threads, expected):
    assert runs_on(hw, engine, backend, threads) == expected


@pytest.mark.parametrize("hw", [Hardware(webgpu_api=False), Hardware(webgpu=False),
                                Hardware(webgpu=True, adapter=SWIFTSHADER),
                                Hardware(webgpu=True, features=F16, isolated=True, cores=4)])
def test_runs_on_matches_the_wllama_plan(hw):
    chosen = plan(hw)
    text = runs_on(hw, "wllama", chosen.backend, chosen.threads)
    assert ("WebGPU" in text.split(": ")[-1]) == (chosen.backend == "webgpu")
    assert chosen.backend == "webgpu" or f"{chosen.threads} thread" in text


def test_no_gpu_reason_tells_missing_api_from_missing_adapter():
    assert no_gpu_reason(Hardware(webgpu_api=False)) == "No WebGPU in this browser"
    assert no_gpu_reason(Hardware()) == "No GPU available (WebGPU offers no adapter)"


@pytest.mark.parametrize("hw, kind", [
    (Hardware(webgpu=True, adapter=SWIFTSHADER), "software"),
    (Hardware(webgpu=True, adapter={"vendor": "microsoft", "architecture": "", "fallback": True}),
     "software"),
    (Hardware(webgpu=True, features=F16, adapter={"vendor": "nvidia", "architecture": "hopper"}),
     "gpu"),
    (Hardware(webgpu=True), "gpu"),
    (Hardware(webgpu=False), "gpu"),
])
def test_adapter_kind_picks_the_build_for_cpu_emulated_adapters_or_real_gpus(hw, kind):
    assert adapter_kind(hw) == kind
