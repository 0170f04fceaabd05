"""`build.py convert --to webllm`: the pure pieces, in CPython (no TVM, no browser):
model dimensions and parameter names from a GGUF, the tensor table and dequantization,
the Q/K row order, the weight shards, tokenizer.json, mlc-chat-config.json, the wasm import
check, the runtime's left-out files and the vendored headers' pins."""
import json
import struct

import numpy as np
import pytest

from tools.convert import (webllm, webllm_config, webllm_gguf, webllm_gguf_table, webllm_layout,
                           webllm_runtime, webllm_tokenizer, webllm_wasm, webllm_weights)
from tools.convert.gguf_meta import GgufError, read_metadata
from tools.vendor import ROOT

EMBEDDED = next((ROOT / "models" / "smollm2-135m-instruct-q4_1").glob("*/*.gguf"), None)
needs_gguf = pytest.mark.skipif(EMBEDDED is None, reason="run `python3 build.py build` first")

META = {"general.architecture": "llama", "llama.embedding_length": 64, "llama.block_count": 2,
        "llama.feed_forward_length": 96, "llama.attention.head_count": 4,
        "llama.attention.head_count_kv": 2, "llama.rope.freq_base": 10000.0,
        "llama.context_length": 512, "llama.vocab_size": 300,
        "tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": "smollm",
        "tokenizer.ggml.tokens": ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "a", "b", "ab"],
        "tokenizer.ggml.token_type": [3, 3, 3, 1, 1, 1], "tokenizer.ggml.merges": ["a b"],
        "tokenizer.ggml.eos_token_id": 2, "tokenizer.ggml.bos_token_id": 1,
        "tokenizer.chat_template": "<|im_start|>system\\nBe brief.<|im_end|>\\n{{ messages }}"}


def test_shape_and_parameters_from_metadata():
    shape = webllm_layout.from_gguf(META, has_output_tensor=False)
    assert (shape.head_dim, shape.num_kv_heads, shape.tie_word_embeddings) == (16, 2, True)
    params = dict(webllm_layout.parameters(shape))
    assert params["model.layers.1.self_attn.qkv_proj.weight"] == ((4 + 2 * 2) * 16, 64)
    assert params["model.layers.0.mlp.gate_up_proj.weight"] == (192, 64)
    assert "lm_head.weight" not in params
    assert "lm_head.weight" in dict(webllm_layout.parameters(
        webllm_layout.from_gguf(META, has_output_tensor=True)))


@pytest.mark.parametrize("change, message", [
    ({"general.architecture": "gemma"}, "architecture"),
    ({"llama.attention.head_count": 5}, "do not divide"),
    ({"llama.rope.dimension_count": 8}, "partial RoPE"),
    ({"llama.rope.scaling.type": "yarn"}, "RoPE scaling"),
])
def test_unsupported_models_are_refused_with_the_reason(change, message):
    with pytest.raises(webllm_layout.LayoutError, match=message):
        webllm_layout.from_gguf({**META, **change}, has_output_tensor=False)


def test_rope_rows_are_put_back_in_hugging_face_order():
    # llama.cpp's permute: per head, rows (0, half, 1, half+1, ...) from HF's (0, 1, ..., half, ...)
    heads, head_dim = 2, 4
    hf = np.arange(heads * head_dim * 3, dtype=np.float32).reshape(heads * head_dim, 3)
    gguf = hf.reshape(heads, 2, head_dim // 2, 3).swapaxes(1, 2).reshape(hf.shape)
    assert np.array_equal(webllm_weights.unpermute_rope_rows(gguf, heads), hf)


def test_q4_1_and_q8_0_blocks_dequantize():
    d, m = np.float16(0.5), np.float16(-1.0)
    nibbles = np.arange(32) % 16
    body = (nibbles[:16] | (nibbles[16:] << 4)).astype(np.uint8)
    block = np.float16([d, m]).tobytes() + body.tobytes()
    out = webllm_gguf.dequantize(block, webllm_gguf.Q4_1, (32,))
    assert np.allclose(out, nibbles * 0.5 - 1.0)
    q = np.arange(-16, 16, dtype=np.int8)
    block = np.float16([0.25]).tobytes() + q.tobytes()
    out = webllm_gguf.dequantize(block, webllm_gguf.Q8_0, (32,))
    assert np.allclose(out, q * 0.25)


def test_tensor_cache_shards_and_records(tmp_path):
    params = [("a", np.ones((4, 4), np.float32)), ("b", np.zeros(8, np.float32)),
              ("c", np.full((16,), 2, np.float32))]
    written = webllm_weights.write_tensor_cache(params, tmp_path, shard_bytes=100)
    cache = json.loads((tmp_path / "tensor-cache.json").read_text())
    assert written == ["tensor-cache.json", "params_shard_0.bin", "params_shard_1.bin"]
    first, second = cache["records"]       # a (64 B) + b (32 B) fit 100 B; c does not
    assert [(r["name"], r["byteOffset"]) for r in first["records"]] == [("a", 0), ("b", 64)]
    assert [(r["name"], r["byteOffset"]) for r in second["records"]] == [("c", 0)]
    raw = (tmp_path / "params_shard_0.bin").read_bytes()
    assert len(raw) == first["nbytes"] == 96
    assert np.array_equal(np.frombuffer(raw[64:], np.float32), np.zeros(8, np.float32))
    assert cache["metadata"]["ParamSize"] == 3


def test_tokenizer_json_keeps_ids_merges_and_special_tokens():
    data = json.loads(webllm_tokenizer.tokenizer_json(META))
    assert data["model"]["type"] == "BPE" and data["model"]["vocab"]["ab"] == 5
    assert data["model"]["merges"] == [["a", "b"]]
    assert [t["content"] for t in data["added_tokens"]] == [
        "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    assert data["pre_tokenizer"]["pretokenizers"][0]["type"] == "Digits"
    with pytest.raises(webllm_layout.LayoutError, match="pre-tokenizer"):
        webllm_tokenizer.tokenizer_json({**META, "tokenizer.ggml.pre": "qwen2"})
    with pytest.raises(webllm_layout.LayoutError, match="tokenizer 'llama'"):
        webllm_tokenizer.tokenizer_json({**META, "tokenizer.ggml.model": "llama"})


def test_chat_config_is_chatml_with_the_models_system_message():
    shape = webllm_layout.from_gguf(META, has_output_tensor=False)
    data = json.loads(webllm_config.chat_config(META, shape, 1024, 64))
    conv = data["conv_template"]
    assert conv["system_message"] == "Be brief."
    assert conv["stop_str"] == ["<|im_end|>"] and conv["stop_token_ids"] == [2]
    sizes = (data["context_window_size"], data["prefill_chunk_size"], data["vocab_size"])
    assert sizes == (1024, 64, 300)
    assert data["tokenizer_files"] == ["tokenizer.json"]
    with pytest.raises(webllm_layout.LayoutError, match="ChatML"):
        webllm_config.chat_config({**META, "tokenizer.chat_template": "[INST] {{ x }}"},
                                  shape, 1, 1)


def _wasm_with_imports(pairs):
    def name(s):
        return bytes([len(s)]) + s.encode()
    body = bytes([len(pairs)]) + b"".join(name(m) + name(n) + b"\x00\x00" for m, n in pairs)
    return b"\0asm\x01\0\0\0" + b"\x02" + bytes([len(body)]) + body


def test_wasm_imports_are_checked_against_web_llms_runtime():
    ok = _wasm_with_imports([("env", "TVMFFIWasmSafeCall"), ("wasi_snapshot_preview1", "fd_write")])
    assert webllm_wasm.imports(ok)[0] == ("env", "TVMFFIWasmSafeCall", 0)
    webllm_wasm.check_imports(ok)
    bad = _wasm_with_imports([("env", "invoke_vii")])       # what asyncify/exceptions would add
    with pytest.raises(webllm_wasm.WasmError, match="env.invoke_vii"):
        webllm_wasm.check_imports(bad)
    with pytest.raises(webllm_wasm.WasmError):
        webllm_wasm.imports(b"not wasm")


def test_runtime_leaves_out_exactly_the_rpc_endpoint_and_cpu_sort():
    text = "".join(f'#include "src/runtime/{p}"\n' for p in webllm_runtime.LEFT_OUT)
    kept, dropped = webllm_runtime.without_left_out(
        text + '#include "src/runtime/vm/vm.cc"\nint x;\n')
    assert dropped == len(webllm_runtime.LEFT_OUT)
    assert kept == '#include "src/runtime/vm/vm.cc"\nint x;\n'


def test_vendored_headers_match_their_pins(tmp_path):
    webllm_runtime.check_vendored()
    import shutil
    copy = tmp_path / "vendor"
    shutil.copytree(webllm_runtime.HERE / "vendor", copy)
    (copy / "include/tvm/support/io.h").write_text("// changed\n")
    with pytest.raises(webllm_runtime.RuntimeBuildError, match="changed"):
        webllm_runtime.check_vendored(copy)


def test_bad_sources_fail_before_any_work(tmp_path):
    with pytest.raises(webllm.ConvertError, match="neither a catalog id"):
        webllm.resolve("no-such-model", {"models": []})
    fake = tmp_path / "x.gguf"
    fake.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
    with pytest.raises(webllm.ConvertError, match="architecture"):
        webllm.convert(str(fake), python="/nonexistent")
    truncated = tmp_path / "t.gguf"
    truncated.write_bytes(b"GGUF" + struct.pack("<I", 3))
    with pytest.raises(GgufError, match="truncated"):
        read_metadata(truncated)


@needs_gguf
def test_embedded_model_maps_onto_the_layout():
    meta = read_metadata(EMBEDDED)
    infos = webllm_gguf_table.read_tensor_infos(EMBEDDED)
    shape = webllm_layout.from_gguf(meta, "output.weight" in infos)
    dims = (shape.hidden_size, shape.num_layers, shape.num_heads, shape.num_kv_heads)
    assert dims == (576, 30, 9, 3)
    assert shape.tie_word_embeddings and shape.rope_theta == 100000.0
    params = webllm_weights.from_gguf(EMBEDDED, shape, infos)
    name, embed = next(params)
    assert name == "model.embed_tokens.weight" and embed.shape == (49152, 576)
    name, qkv = next(params)
    assert qkv.shape == (576 + 2 * 192, 576) and np.isfinite(qkv).all()


def test_converter_environment_is_trusted_only_with_the_stamp_of_its_pins(tmp_path, monkeypatch):
    from tools.convert import webllm_venv
    env = tmp_path / "venv"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").write_text("")
    pins = ("a==1 --hash=sha256:" + "0" * 64,)
    assert not webllm_venv.is_current(env, pins)                 # no stamp: pip never finished
    (env / webllm_venv.STAMP_NAME).write_text(webllm_venv.fingerprint(pins) + "\n")
    assert webllm_venv.is_current(env, pins)
    assert not webllm_venv.is_current(env, ("a==2 --hash=sha256:" + "0" * 64,))
    monkeypatch.setenv("BUILD_OFFLINE", "1")
    with pytest.raises(webllm_venv.VenvError, match="BUILD_OFFLINE"):
        webllm_venv.ensure(env, ("a==2 --hash=sha256:" + "0" * 64,))
    from tools.convert import webllm_pins
    assert all("--hash=sha256:" in r for r in webllm_pins.VENV_REQUIREMENTS)


def test_both_libraries_are_listed_each_for_its_kind_of_adapter(tmp_path, monkeypatch):
    """One library for real GPUs, one for CPU-emulated adapters (SwiftShader): the entry lists
    both with their adapter, and its web-llm record names neither (the app takes the one for
    its adapter from the files)."""
    from app.download.catalog import ADAPTERS, parse_catalog
    assert set(webllm.LIBRARIES) == set(ADAPTERS)
    monkeypatch.setattr(webllm, "MODELS", tmp_path)
    staging = tmp_path / "m" / "resolve" / ".partial-x"
    staging.mkdir(parents=True)
    sizes = {"model-webgpu.wasm": 3, "model-webgpu-software.wasm": 5, "params_shard_0.bin": 2**20}
    for name, size in sizes.items():
        (staging / name).write_bytes(b"x" * size)
    url, files = webllm.install(staging, "m")
    entry = webllm.catalog_entry("m", "M", None, "cmd", url, files)
    assert {f["name"]: f.get("adapter") for f in entry["files"]} == {
        "model-webgpu.wasm": "gpu", "model-webgpu-software.wasm": "software",
        "params_shard_0.bin": None}
    record = entry["webllm"]["record"]
    assert "model_lib" not in record
    assert record["vram_required_MB"] == round((2**20 + 3) / 2**20 + 200, 1)   # one library
    catalog = parse_catalog({"format": 1, "models": [entry]})
    for kind, library in webllm.LIBRARIES.items():
        assert [f.name for f in catalog.for_adapter(kind).get("m").files] == \
            sorted(["params_shard_0.bin", library])
