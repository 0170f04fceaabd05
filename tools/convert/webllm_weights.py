"""The model's weights in web-llm's format: float32 parameters under the names of
webllm_layout.parameters(), packed into `params_shard_N.bin` files listed by
`tensor-cache.json` (the tvmjs tensor cache web-llm fetches and loads by name).

From a llama.cpp GGUF: dequantized to float32, Q and K rows put back in the order Hugging Face
uses (llama.cpp interleaves the two halves of each head for its RoPE; TVM's KV cache rotates
halves, like Hugging Face), Q/K/V stacked into one `qkv_proj` and gate/up into `gate_up_proj`.
"""
import json
import sys

import numpy as np

from tools.convert import webllm_gguf, webllm_layout

SHARD_BYTES = 32 << 20          # web-llm fetches and caches one shard per request


def unpermute_rope_rows(w, n_heads):
    """Undo llama.cpp's reordering of Q/K rows: within each head it stores the rows as
    pairs (i, i + half), Hugging Face as the first half then the second."""
    rows = w.shape[0]
    head_dim = rows // n_heads
    return (w.reshape(n_heads, head_dim // 2, 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def from_gguf(path, shape, infos=None):
    """Yield (name, float32 array) in the library's parameter order."""
    infos = infos if infos is not None else webllm_gguf.read_tensor_infos(path)

    def tensor(name):
        if name not in infos:
            raise webllm_layout.LayoutError(f"{path}: has no tensor {name}")
        return webllm_gguf.load(path, infos[name])
    for name, want in webllm_layout.parameters(shape):
        if name == "model.embed_tokens.weight":
            value = tensor("token_embd.weight")
        elif name == "model.norm.weight":
            value = tensor("output_norm.weight")
        elif name == "lm_head.weight":
            value = tensor("output.weight")
        else:
            layer, rest = name[len("model.layers."):].split(".", 1)
            blk = f"blk.{layer}."
            if rest == "self_attn.qkv_proj.weight":
                value = np.concatenate([
                    unpermute_rope_rows(tensor(blk + "attn_q.weight"), shape.num_heads),
                    unpermute_rope_rows(tensor(blk + "attn_k.weight"), shape.num_kv_heads),
                    tensor(blk + "attn_v.weight")])
            elif rest == "mlp.gate_up_proj.weight":
                value = np.concatenate([tensor(blk + "ffn_gate.weight"),
                                        tensor(blk + "ffn_up.weight")])
            else:
                value = tensor(blk + {"self_attn.o_proj.weight": "attn_output.weight",
                                      "mlp.down_proj.weight": "ffn_down.weight",
                                      "input_layernorm.weight": "attn_norm.weight",
                                      "post_attention_layernorm.weight": "ffn_norm.weight"}[rest])
        if tuple(value.shape) != tuple(want):
            raise webllm_layout.LayoutError(f"{path}: {name} has shape {value.shape}, "
                                            f"expected {want}")
        yield name, np.ascontiguousarray(value, dtype=np.float32)


def write_tensor_cache(params, out_dir, shard_bytes=SHARD_BYTES):
    """Write the shards and tensor-cache.json into `out_dir`; -> the file names written."""
    shards, current, pending = [], [], bytearray()

    def close():
        nonlocal current, pending
        if not current:
            return
        path = f"params_shard_{len(shards)}.bin"
        (out_dir / path).write_bytes(bytes(pending))
        shards.append({"dataPath": path, "format": "raw-shard", "nbytes": len(pending),
                       "records": current})
        current, pending = [], bytearray()
    for name, value in params:
        data = value.tobytes()
        if pending and len(pending) + len(data) > shard_bytes:
            close()
        current.append({"name": name, "shape": list(value.shape), "dtype": "float32",
                        "format": "raw", "nbytes": len(data), "byteOffset": len(pending)})
        pending += data
    close()
    cache = {"metadata": {"ParamSize": sum(len(s["records"]) for s in shards),
                          "ParamBytes": sum(s["nbytes"] for s in shards), "BitsPerParam": 32.0},
             "records": shards}
    (out_dir / "tensor-cache.json").write_text(json.dumps(cache, indent=1))
    return ["tensor-cache.json"] + [s["dataPath"] for s in shards]


def main(argv=None):
    """python -m tools.convert.webllm_weights GGUF SHAPE_JSON OUT_DIR (in the converter's
    environment, where numpy is)."""
    from pathlib import Path
    gguf, shape_json, out_dir = (argv or sys.argv[1:])
    shape = webllm_layout.LlamaShape(**json.loads(Path(shape_json).read_text()))
    write_tensor_cache(from_gguf(gguf, shape), Path(out_dir))


if __name__ == "__main__":
    main()
