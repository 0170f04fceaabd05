"""web-llm model list logic (CPython): selection by adapter features, sizes, cache URLs,
progress mapping."""
import pytest

from app.engines.webllm_models import (base_url, cache_urls, choices, needs_shader_f16,
                                       progress, quantization, size_estimate)

RECORDS = [
    {"model": "https://huggingface.co/mlc-ai/Llama-3.2-1B-Instruct-q4f32_1-MLC",
     "model_id": "Llama-3.2-1B-Instruct-q4f32_1-MLC", "model_lib": "https://x/lib1.wasm",
     "vram_required_MB": 1128.82, "low_resource_required": True},
    {"model": "https://huggingface.co/mlc-ai/Llama-3.2-1B-Instruct-q4f16_1-MLC",
     "model_id": "Llama-3.2-1B-Instruct-q4f16_1-MLC", "model_lib": "https://x/lib2.wasm",
     "vram_required_MB": 879.04},                      # f16 without required_features
    {"model": "https://huggingface.co/mlc-ai/SmolLM2-135M-Instruct-q0f16-MLC",
     "model_id": "SmolLM2-135M-Instruct-q0f16-MLC", "model_lib": "https://x/lib3.wasm",
     "vram_required_MB": 359.69, "required_features": ["shader-f16"]},
    {"model": "https://huggingface.co/mlc-ai/snowflake-arctic-embed-m-q0f32-MLC-b4",
     "model_id": "snowflake-arctic-embed-m-q0f32-MLC-b4", "model_lib": "https://x/e.wasm",
     "vram_required_MB": 100, "model_type": 1},
]


def test_without_shader_f16_only_f32_builds_are_offered():
    assert [c.model_id for c in choices(RECORDS, set())] == ["Llama-3.2-1B-Instruct-q4f32_1-MLC"]
    with_f16 = [c.model_id for c in choices(RECORDS, {"shader-f16"})]
    assert with_f16 == ["SmolLM2-135M-Instruct-q0f16-MLC", "Llama-3.2-1B-Instruct-q4f16_1-MLC",
                        "Llama-3.2-1B-Instruct-q4f32_1-MLC"]          # by VRAM, no embeddings
    assert needs_shader_f16(RECORDS[1]) and not needs_shader_f16(RECORDS[0])


def test_sizes_are_estimated_from_parameters_and_quantization():
    assert quantization("Llama-3.2-1B-Instruct-q4f32_1-MLC") == "q4f32_1"
    assert size_estimate("Llama-3.2-1B-Instruct-q4f32_1-MLC") == int(1e9 * 4.5 / 8)
    assert size_estimate("SmolLM2-135M-Instruct-q0f16-MLC") == int(135e6 * 2)
    assert size_estimate("Phi-3.5-mini-instruct-q4f16_1-MLC") is None


def test_cache_urls_are_the_ones_web_llm_requests():
    record = RECORDS[0]
    base = "https://huggingface.co/mlc-ai/Llama-3.2-1B-Instruct-q4f32_1-MLC/resolve/main/"
    assert base_url(record) == base
    assert base_url({"model": base}) == base
    urls = cache_urls(record, {"records": [{"dataPath": "params_shard_0.bin"},
                                           {"dataPath": "params_shard_1.bin"}]})
    assert urls["webllm/config"] == [base + "mlc-chat-config.json"]
    assert urls["webllm/wasm"] == ["https://x/lib1.wasm"]
    assert urls["webllm/model"] == [base + "tokenizer.json", base + "tensor-cache.json",
                                    base + "params_shard_0.bin", base + "params_shard_1.bin"]


def test_progress_is_clamped_and_never_runs_backwards():
    assert progress({"progress": 0.25, "text": "Fetching param cache[1/4]"}) == \
        (0.25, "Fetching param cache[1/4]")
    assert progress({"progress": 0.1, "text": "x"}, floor=0.3) == (0.3, "x")
    assert progress({"progress": 7}) == (1.0, "Loading the model")
    assert progress({"progress": float("nan")}, 0.2)[0] == 0.2
    assert progress({"progress": "bad"})[0] == 0.0


def test_a_compiled_models_library_is_its_one_library_for_this_adapter():
    from app.engines.base import EngineError
    from app.engines.webllm import library_url
    files = [{"name": "params_shard_0.bin", "url": "m/params_shard_0.bin"},
             {"name": "model-webgpu.wasm", "url": "m/model-webgpu.wasm", "adapter": "gpu"}]
    assert library_url({"id": "m", "files": files}) == "m/model-webgpu.wasm"
    both = files + [{"name": "model-webgpu-software.wasm", "url": "m/model-webgpu-software.wasm",
                     "adapter": "software"}]
    with pytest.raises(EngineError, match="expected one model library for this adapter"):
        library_url({"id": "m", "files": both})      # not picked by load_catalog()
