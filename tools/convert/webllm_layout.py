"""What a web-llm model library is compiled for: the model's dimensions (read from a GGUF's
metadata) and the names and shapes of its parameters, in the order the library expects them.

Pure Python (no tvm, no numpy): the compiler (tools/convert/webllm_model.py, in the converter's
environment) and the weight writer (tools/convert/webllm_weights.py) both take their parameter
list from here, so the two can never disagree about a name, a shape or the order.
"""
from dataclasses import asdict, dataclass


class LayoutError(ValueError):
    """The source is not a model this converter can compile; str() says why."""


@dataclass(frozen=True)
class LlamaShape:
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    context_length: int
    tie_word_embeddings: bool
    dtype: str = "float32"      # SwiftShader and many GPUs lack shader-f16: compute in f32

    def to_json(self):
        return asdict(self)


def from_gguf(meta, has_output_tensor, where="GGUF"):
    """LlamaShape from a GGUF's metadata (tools/convert/gguf_meta.py); `has_output_tensor`:
    whether the file has its own `output.weight` (otherwise the embeddings are tied)."""
    arch = meta.get("general.architecture")
    if arch != "llama":
        raise LayoutError(f"{where}: architecture {arch!r} is not supported (only 'llama')")

    def need(key):
        if f"llama.{key}" not in meta:
            raise LayoutError(f"{where}: metadata has no llama.{key}")
        return meta[f"llama.{key}"]
    hidden, heads = int(need("embedding_length")), int(need("attention.head_count"))
    kv_heads = int(meta.get("llama.attention.head_count_kv", heads))
    if hidden % heads or heads % kv_heads:
        raise LayoutError(f"{where}: {heads} heads do not divide width {hidden} "
                          f"or are not a multiple of {kv_heads} KV heads")
    head_dim = hidden // heads
    rope_dims = int(meta.get("llama.rope.dimension_count", head_dim))
    if rope_dims != head_dim:
        raise LayoutError(f"{where}: partial RoPE ({rope_dims} of {head_dim} dims) "
                          "is not supported")
    if meta.get("llama.rope.scaling.type", "none") not in ("none", "linear") or \
            float(meta.get("llama.rope.scaling.factor", 1.0) or 1.0) != 1.0:
        raise LayoutError(f"{where}: RoPE scaling is not supported")
    vocab = meta.get("llama.vocab_size") or len(meta.get("tokenizer.ggml.tokens") or [])
    if not vocab:
        raise LayoutError(f"{where}: vocabulary size unknown")
    return LlamaShape(
        vocab_size=int(vocab), hidden_size=hidden,
        intermediate_size=int(need("feed_forward_length")), num_layers=int(need("block_count")),
        num_heads=heads, num_kv_heads=kv_heads, head_dim=head_dim,
        rms_norm_eps=float(meta.get("llama.attention.layer_norm_rms_epsilon", 1e-5)),
        rope_theta=float(meta.get("llama.rope.freq_base", 10000.0)),
        context_length=int(meta.get("llama.context_length", 2048)),
        tie_word_embeddings=not has_output_tensor)


def parameters(shape):
    """[(name, shape tuple)] in the library's parameter order (that of the nn.Module tree in
    webllm_model.py: embeddings, then each layer's attention, MLP and norms, final norm, head)."""
    s = shape
    qkv_rows = (s.num_heads + 2 * s.num_kv_heads) * s.head_dim
    out = [("model.embed_tokens.weight", (s.vocab_size, s.hidden_size))]
    for i in range(s.num_layers):
        p = f"model.layers.{i}."
        out += [(p + "self_attn.qkv_proj.weight", (qkv_rows, s.hidden_size)),
                (p + "self_attn.o_proj.weight", (s.hidden_size, s.num_heads * s.head_dim)),
                (p + "mlp.gate_up_proj.weight", (2 * s.intermediate_size, s.hidden_size)),
                (p + "mlp.down_proj.weight", (s.hidden_size, s.intermediate_size)),
                (p + "input_layernorm.weight", (s.hidden_size,)),
                (p + "post_attention_layernorm.weight", (s.hidden_size,))]
    out.append(("model.norm.weight", (s.hidden_size,)))
    if not s.tie_word_embeddings:
        out.append(("lm_head.weight", (s.vocab_size, s.hidden_size)))
    return out
