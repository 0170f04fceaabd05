"""web-llm's prebuilt model list, as the app uses it (pure: CPython-testable).

- Which models this GPU can run: without `shader-f16` only f32-activation builds (q4f32,
  q0f32) work; many f16 records do not declare the feature, so the quantization in the id
  decides too.
- Sizes: VRAM comes from the record; the download size is estimated from the parameter
  count in the id and the quantization (the exact size is in tensor-cache.json online).
- The exact URLs web-llm requests for a record, per cache scope, so our downloader can fill
  its cache beforehand (a URL already cached is never requested).
- initProgressCallback reports -> (fraction, text) for the app's progress bar.
"""
import re
from dataclasses import dataclass

QUANT = re.compile(r"-(q\d+f(?:16|32)(?:_\d+)?)-", re.I)
PARAMS = re.compile(r"-(\d+(?:\.\d+)?)([BM])(?=-|$)", re.I)
BITS = {"q0f32": 32, "q0f16": 16, "q3f16": 3.5, "q4f16": 4.5, "q4f32": 4.5}   # incl. scales


@dataclass(frozen=True)
class Choice:
    model_id: str
    vram_mb: float
    quant: str
    size_estimate: int | None      # bytes, None when the id names no parameter count
    needs_f16: bool
    low_resource: bool


def quantization(model_id):
    m = QUANT.search(model_id + "-")
    return m.group(1).lower() if m else ""


def needs_shader_f16(record):
    quant = quantization(record["model_id"])
    return "shader-f16" in (record.get("required_features") or []) or "f16" in quant


def size_estimate(model_id):
    params, quant = PARAMS.search(model_id), quantization(model_id).split("_")[0]
    if not params or quant not in BITS:
        return None
    count = float(params.group(1)) * (1e9 if params.group(2).upper() == "B" else 1e6)
    return int(count * BITS[quant] / 8)


def choices(model_list, features):
    """The records this adapter can run, smallest VRAM first."""
    out = []
    for record in model_list:
        if record.get("model_type") not in (None, 0):        # LLMs only (no embeddings/VLM)
            continue
        if needs_shader_f16(record) and "shader-f16" not in features:
            continue
        missing = set(record.get("required_features") or []) - set(features) - {"shader-f16"}
        if missing:
            continue
        out.append(Choice(record["model_id"], float(record.get("vram_required_MB") or 0),
                          quantization(record["model_id"]), size_estimate(record["model_id"]),
                          needs_shader_f16(record), bool(record.get("low_resource_required"))))
    return sorted(out, key=lambda c: (c.vram_mb, c.model_id))


def base_url(record):
    """web-llm's cleanModelUrl: the model URL with "/resolve/main/" appended if absent."""
    url = record["model"].rstrip("/") + "/"
    if not re.search(r".+/resolve/.+/", url):
        url += "resolve/main/"
    return url


def cache_urls(record, tensor_cache=None, tokenizer_files=("tokenizer.json",)):
    """{cache scope: [absolute URL, ...]} web-llm will look up for `record`. The params
    shards are listed in tensor-cache.json (`tensor_cache`, parsed), when given."""
    base = base_url(record)
    model = [base + name for name in tokenizer_files] + [base + "tensor-cache.json"]
    if tensor_cache is not None:
        model += [base + r["dataPath"] for r in tensor_cache.get("records", [])]
    return {"webllm/config": [base + "mlc-chat-config.json"],
            "webllm/wasm": [record["model_lib"]],
            "webllm/model": model}


def progress(report, floor=0.0):
    """An initProgressCallback report ({progress, text, timeElapsed}) -> (fraction, text),
    clamped to [floor, 1] so the bar never runs backwards."""
    try:
        value = float(report.get("progress", 0) or 0)
    except (TypeError, ValueError):
        value = 0.0
    value = min(1.0, max(floor, value if value == value else 0.0))   # NaN -> floor
    return value, str(report.get("text") or "Loading the model")
