"""The heavy half of `build.py convert --to mediapipe`: a Llama-family checkpoint (a GGUF, or a
Hugging Face folder with safetensors) -> one TFLite model with prefill and decode signatures,
through litert-torch's generative API. Runs inside the converter's virtual environment
(tools/convert/venv.py); the caller (tools/convert/mediapipe.py) does everything else.

    python -m tools.convert.litert_export --source PATH --work DIR [--prefill 128,512]
        [--context 1280] [--quantize dynamic_int8]

Prints one JSON line at the end: {"tflite": path, "check": ...}. Exits 2 with a message on
stderr for input it cannot convert.
"""
import argparse
import importlib.machinery
import json
import sys
import time
import types
from pathlib import Path


class ExportError(Exception):
    pass


# SmolLM2's ids for "<|im_start|>system\nYou have 3 open to-dos.<|im_end|>\n<|im_start|>assistant\n"
# (any ids do for the checks: only agreement with the source model counts)
CHECK_PROMPT = [1, 9690, 198, 2683, 457, 216, 35, 1440, 288, 29, 45963, 30, 2, 198, 1, 520, 9531,
                198]


def log(msg):
    print(f"[convert] {msg}", file=sys.stderr, flush=True)


def _tflite_schema_without_tensorflow():
    """litert-torch 0.10's lora.py imports TFLite's flatbuffer schema from tensorflow, which it
    does not depend on (and which is 600 MB). ai-edge-litert, one of its dependencies, ships
    the same generated module: make that import find it."""
    from ai_edge_litert import schema_py_generated
    for name in ("tensorflow", "tensorflow.lite", "tensorflow.lite.python"):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = []
            # origin None: torch's dynamo skips modules it cannot locate instead of failing
            package.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
            sys.modules[name] = package
    sys.modules.setdefault("tensorflow.lite.python.schema_py_generated", schema_py_generated)


def load_hf(source):
    """-> (transformers model in float32, its config). A GGUF is dequantized by transformers."""
    import torch
    from transformers import AutoModelForCausalLM
    path = Path(source)
    if path.is_file():
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name,
                                                     dtype=torch.float32)
    else:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model.eval()
    return model, model.config


def _get(config, name, default=None):
    value = getattr(config, name, default)
    return default if value is None else value


def litert_config(config, context):
    """The litert-torch ModelConfig of a Hugging Face Llama config; ExportError for what the
    generative API's decoder-only model does not express."""
    import litert_torch.generative.layers.model_config as cfg
    if config.model_type != "llama":
        raise ExportError(f"architecture {config.model_type!r} is not supported (llama only)")
    rope = _get(config, "rope_parameters") or _get(config, "rope_scaling") or {}
    rope_type = rope.get("rope_type", rope.get("type", "default"))
    if rope_type != "default":
        raise ExportError(f"RoPE scaling {rope_type!r} is not supported (default RoPE only)")
    theta = rope.get("rope_theta", _get(config, "rope_theta", 10000.0))
    if _get(config, "attention_bias", False) or _get(config, "mlp_bias", False):
        raise ExportError("attention or MLP biases are not supported")
    if _get(config, "hidden_act", "silu") != "silu":
        raise ExportError(f"activation {config.hidden_act!r} is not supported (silu only)")
    heads = config.num_attention_heads
    head_dim = _get(config, "head_dim", config.hidden_size // heads)
    norm = cfg.NormalizationConfig(type=cfg.NormalizationType.RMS_NORM,
                                   epsilon=float(_get(config, "rms_norm_eps", 1e-5)))
    block = cfg.TransformerBlockConfig(
        attn_config=cfg.AttentionConfig(
            num_heads=heads, head_dim=head_dim,
            num_query_groups=_get(config, "num_key_value_heads", heads),
            rotary_base=int(theta), rotary_percentage=1.0),
        ff_config=cfg.FeedForwardConfig(
            type=cfg.FeedForwardType.GATED,
            activation=cfg.ActivationConfig(cfg.ActivationType.SILU),
            intermediate_size=config.intermediate_size),
        pre_attention_norm_config=norm, post_attention_norm_config=norm)
    return cfg.ModelConfig(
        vocab_size=config.vocab_size, num_layers=config.num_hidden_layers,
        max_seq_len=max(context, int(_get(config, "max_position_embeddings", context))),
        embedding_dim=config.hidden_size, block_configs=block, final_norm_config=norm,
        lm_head_share_weight_with_embedding=bool(_get(config, "tie_word_embeddings", False)))


def build_edge_model(hf_model, config, context):
    from litert_torch.generative.utilities import model_builder
    edge_config = litert_config(config, context)
    names = (model_builder.TENSOR_NAMES if edge_config.lm_head_share_weight_with_embedding
             else model_builder.TENSOR_NAMES_WITH_SEPARATE_LM_HEAD)
    state = {k: v.detach() for k, v in hf_model.state_dict().items()}
    # The loader takes a "checkpoint path"; ours is already in memory.
    return model_builder.build_decoder_only_model(
        checkpoint_path="(in memory)", config=edge_config, tensor_names=names,
        custom_loader=lambda _path: state, mask_cache_size=context)


def check_same_next_tokens(hf_model, edge_model, context, steps=8):
    """Greedy tokens of the re-authored model == the Hugging Face model's, for a fixed prompt:
    catches a weight mapped to the wrong place before minutes of conversion."""
    import torch
    from litert_torch.generative.layers import kv_cache as kv_utils
    prompt = [t % hf_model.config.vocab_size for t in CHECK_PROMPT]
    with torch.no_grad():
        hf_out = hf_model.generate(torch.tensor([prompt]), max_new_tokens=steps, do_sample=False,
                                   attention_mask=torch.ones(1, len(prompt), dtype=torch.long))
        expected = hf_out[0, len(prompt):].tolist()
        kv = kv_utils.KVCache.from_model_config(context, edge_model.config)
        tokens, got, pos = list(prompt), [], 0
        feed = tokens
        for _ in range(len(expected)):
            out = edge_model(torch.tensor([feed], dtype=torch.int),
                             torch.arange(pos, pos + len(feed), dtype=torch.int), kv)
            kv = out["kv_cache"]
            pos += len(feed)
            nxt = int(out["logits"][0, -1].argmax())
            got.append(nxt)
            feed = [nxt]
    if got != expected:
        raise ExportError(f"the re-authored model disagrees with the source: greedy tokens "
                          f"{got} instead of {expected}")
    return got


def causal_mask(shape, start):
    """The attention mask a `mask_as_input` signature takes, as the runtime builds it: row i
    (the token at position start + i) sees cache positions 0..start + i (0), nothing after
    (-inf). `shape` is the signature's [batch, 1, tokens, cache length]."""
    import numpy as np
    rows, cols = shape[-2], shape[-1]
    allowed = np.arange(cols)[None, :] <= (start + np.arange(rows))[:, None]
    return np.broadcast_to(np.where(allowed, 0.0, -np.inf).astype(np.float32), shape).copy()


def check_tflite(path, prompt, expected):
    """The exported file itself, run by the LiteRT interpreter on the CPU (prefill, then decode
    from the last prompt token), gives the same greedy tokens: the artifact that ships is right."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_path=str(path))
    signatures = interpreter.get_signature_list()
    prefill_name = min((n for n in signatures if n.startswith("prefill_")),
                       key=lambda n: int(n.split("_")[1]))
    prefill = interpreter.get_signature_runner(prefill_name)
    decode = interpreter.get_signature_runner("decode")
    length = int(prefill_name.split("_")[1])
    kv = {k: np.zeros(v["shape"], np.float32) for k, v in prefill.get_input_details().items()
          if k.startswith("kv_")}
    tokens = np.zeros((1, length), np.int32)
    tokens[0, :len(prompt)] = prompt
    masks = {n: r.get_input_details().get("mask") for n, r in (("prefill", prefill),
                                                                ("decode", decode))}

    def mask(which, start):
        details = masks[which]
        return {} if details is None else {"mask": causal_mask(tuple(details["shape"]), start)}
    out = prefill(tokens=tokens, input_pos=np.arange(length, dtype=np.int32), **kv,
                  **mask("prefill", 0))
    kv = {k: out[k] for k in kv}
    token, pos, got = prompt[-1], len(prompt) - 1, []
    for _ in expected:
        out = decode(tokens=np.array([[token]], np.int32),
                     input_pos=np.array([pos], np.int32), **kv, **mask("decode", pos))
        kv = {k: out[k] for k in kv}
        token, pos = int(out["logits"][0, -1].argmax()), pos + 1
        got.append(token)
    if got != list(expected):
        raise ExportError(f"the exported TFLite disagrees with the source on the CPU: greedy "
                          f"tokens {got} instead of {list(expected)}")


def export(args):
    _tflite_schema_without_tensorflow()
    started = time.monotonic()
    log(f"loading {args.source}")
    hf_model, config = load_hf(args.source)
    edge_model = build_edge_model(hf_model, config, args.context)
    check = check_same_next_tokens(hf_model, edge_model, args.context)
    log(f"re-authored model matches the source (greedy tokens {check}); "
        f"{time.monotonic() - started:.0f} s")
    del hf_model
    from litert_torch.generative.layers import kv_cache
    from litert_torch.generative.utilities import converter, export_config
    prefill = [int(n) for n in args.prefill.split(",")]
    # What tasks-genai's web runtime expects of a converted model: the transposed KV cache
    # layout (attention in tensors its WebGPU delegate takes: with the default one it ran 10
    # of 21 operations per block on the CPU) and the attention mask as an input that the
    # runtime fills. Without `mask_as_input` the graph gathers its mask from a cache by
    # position (GATHER_ND, left on the CPU) and the web runtime answered "\n" or "-" again
    # and again although the CPU interpreter was right; with it, the right answer.
    gpu_layout = export_config.ExportConfig(kvcache_layout=kv_cache.KV_LAYOUT_TRANSPOSED,
                                            mask_as_input=True)
    path = converter.convert_to_tflite(
        edge_model, output_path=str(args.work), output_name_prefix="model",
        prefill_seq_len=prefill, kv_cache_max_len=args.context, quantize=args.quantize,
        export_config=gpu_layout)
    log(f"exported {path} in {time.monotonic() - started:.0f} s")
    check_tflite(path, [t % config.vocab_size for t in CHECK_PROMPT], check)
    log("the exported TFLite gives the same greedy tokens on the CPU (LiteRT interpreter)")
    return {"tflite": path, "check": check}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--prefill", default="128,512")
    parser.add_argument("--context", type=int, default=1280)
    parser.add_argument("--quantize", default="dynamic_int8")
    args = parser.parse_args(argv)
    try:
        result = export(args)
    except ExportError as exc:
        print(f"cannot convert {args.source}: {exc}", file=sys.stderr)
        sys.exit(2)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
