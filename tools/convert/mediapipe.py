"""`build.py convert SOURCE --to mediapipe`: a model MediaPipe tasks-genai runs, made here.

SOURCE is a catalog id (its GGUF must be on disk: the embedded model is extracted by the
build), a GGUF file or a Hugging Face folder (config.json, tokenizer.json, safetensors).
Steps, cheapest checks first, so bad input fails before minutes of work:
1. the source: its architecture (Llama family), its tokenizer (byte-level BPE with a ChatML
   template) and the free disk, from metadata only;
2. the tokenizer as MediaPipe's SentencePiece model (tools/convert/tokenizer.py);
3. the converter's environment (tools/convert/venv.py, first use only), then in it the
   TFLite export (tools/convert/litert_export.py: litert-torch, several minutes);
4. the `.task` bundle (tools/convert/bundle.py), its sha256, and only then the rename into
   models/<id>/<sha256[:8]>/ and the catalog entry. Everything before the rename happens
   under temporary names, so a failure or an interrupt leaves no model that looks whole.

The catalog entry carries `"build"` (the command that makes it): the app offers such a
model only where the file is present, and otherwise says how to build it.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tools.convert import bundle, tokenizer
from tools.convert.catalog import write_entry
from tools.convert.gguf_meta import GgufError, read_metadata

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
WORK = ROOT / ".cache" / "convert-work"
ARCHITECTURES = ("llama",)
QUANTIZATIONS = {"dynamic_int8": 1.0, "weight_only_int8": 1.0, "fp16": 2.0, "none": 4.0,
                 "dynamic_int4_block32": 0.6, "dynamic_int4_block128": 0.55}
PREFILL = "128,512"         # prefill signatures; MediaPipe runs a prompt in the smallest that fits
CONTEXT = 1280              # KV cache length: prompt + reply
STOP_TOKENS = ("<|endoftext|>",)    # ends a text in these vocabularies besides the eos token
LORA_REFUSED = (
    "--lora: MediaPipe tasks-genai 0.10.29 refuses LoRA for converted models: for a .task "
    "bundle, the format litert-torch's TFLite models run in, loadLoraModel throws 'LoRA is not "
    "supported for converted LLM models (.task format) yet'. Only its older GPU .bin format "
    "(alone or wrapped in a .litertlm) takes LoRA, and litert-torch does not write that "
    "format. See README, MediaPipe.")


class ConvertError(Exception):
    """Input the converter cannot take; str() is the message for the user."""


def log(msg):
    print(f"[convert] {msg}", flush=True)


@dataclass(frozen=True)
class Source:
    path: Path              # the GGUF file or the Hugging Face folder
    kind: str               # "gguf" | "hf"
    model_id: str           # id of the converted model in the catalog
    name: str
    license: str | None
    architecture: str
    params: int             # estimated parameter count (disk check)
    bpe: tokenizer.ByteLevelBpe


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "model"


def _params(vocab, width, layers, heads, kv_heads, head_dim, ffn, tied):
    attention = width * heads * head_dim * 2 + width * kv_heads * head_dim * 2
    per_layer = attention + 3 * width * ffn + 2 * width
    return vocab * width * (1 if tied else 2) + layers * per_layer + width


def _from_gguf(path, model_id, name, license_):
    try:
        meta = read_metadata(path)
    except (GgufError, OSError) as exc:
        raise ConvertError(str(exc)) from None
    arch = meta.get("general.architecture", "?")
    if arch not in ARCHITECTURES:
        raise ConvertError(f"{path.name}: unknown architecture {arch!r}; `build.py convert` "
                           f"knows {', '.join(ARCHITECTURES)} (Llama family: SmolLM2, ...)")
    bpe = tokenizer.from_gguf(meta, where=path.name)
    k = f"{arch}."
    try:
        heads = int(meta[k + "attention.head_count"])
        width = int(meta[k + "embedding_length"])
        vocab = int(meta.get(k + "vocab_size") or len(bpe.tokens))
        params = _params(vocab, width, int(meta[k + "block_count"]), heads,
                         int(meta.get(k + "attention.head_count_kv", heads)), width // heads,
                         int(meta[k + "feed_forward_length"]), True)
    except KeyError as exc:
        raise ConvertError(f"{path.name}: its metadata lacks {exc.args[0]}") from None
    return Source(path, "gguf", model_id or _slug(path.stem) + "-mediapipe",
                  name or f"{meta.get('general.name', path.stem)} (MediaPipe)",
                  license_ or meta.get("general.license"), arch, params, bpe)


def _from_hf(folder, model_id, name, license_):
    config_path = folder / "config.json"
    if not config_path.exists():
        raise ConvertError(f"{folder}: not a Hugging Face model folder (no config.json)")
    config = json.loads(config_path.read_text())
    arch = config.get("model_type", "?")
    if arch not in ARCHITECTURES:
        raise ConvertError(f"{folder.name}: unknown architecture {arch!r} "
                           f"({', '.join(config.get('architectures') or [])}); "
                           f"`build.py convert` knows {', '.join(ARCHITECTURES)}")
    if not (folder / "tokenizer.json").exists():
        raise ConvertError(f"{folder}: missing tokenizer: no tokenizer.json "
                           "(the converter carries a byte-level BPE tokenizer.json over)")
    if not any(folder.glob("*.safetensors")):
        raise ConvertError(f"{folder}: no *.safetensors weights")
    tok_config_path = folder / "tokenizer_config.json"
    tok_config = json.loads(tok_config_path.read_text()) if tok_config_path.exists() else {}
    template = folder / "chat_template.jinja"
    if template.exists() and "chat_template" not in tok_config:
        tok_config["chat_template"] = template.read_text()
    bpe = tokenizer.from_tokenizer_json((folder / "tokenizer.json").read_text(), tok_config,
                                        where=f"{folder.name}/tokenizer.json")
    heads = int(config["num_attention_heads"])
    width = int(config["hidden_size"])
    params = _params(int(config["vocab_size"]), width, int(config["num_hidden_layers"]), heads,
                     int(config.get("num_key_value_heads") or heads),
                     int(config.get("head_dim") or width // heads),
                     int(config["intermediate_size"]), bool(config.get("tie_word_embeddings")))
    return Source(folder, "hf", model_id or _slug(folder.name) + "-mediapipe",
                  name or f"{folder.name} (MediaPipe)", license_, arch, params, bpe)


def resolve(source, catalog, model_id=None):
    """SOURCE (catalog id, GGUF path, HF folder) -> Source, or ConvertError."""
    entries = {m["id"]: m for m in catalog.get("models", [])}
    if source in entries:
        entry = entries[source]
        ggufs = [f for f in entry.get("files", []) if f["name"].lower().endswith(".gguf")]
        if not ggufs or not ggufs[0].get("url"):
            raise ConvertError(f"catalog model {source!r} has no GGUF file to convert")
        path = ROOT / ggufs[0]["url"]
        if not path.exists():
            hint = ("run `python3 build.py build` first (it extracts the embedded model)"
                    if "embedded" in entry else f"put its GGUF at {ggufs[0]['url']}")
            raise ConvertError(f"{source}: {path.relative_to(ROOT)} is not on disk: {hint}")
        base = re.sub(r"-q\d(_\w+)?$", "", source)      # the source's own quantization goes
        return _from_gguf(path, model_id or f"{base}-mediapipe",
                          f"{entry.get('name', source).split(' (')[0]} (MediaPipe, converted here)",
                          entry.get("license"))
    path = Path(source)
    if path.is_file() and path.suffix.lower() == ".gguf":
        return _from_gguf(path, model_id, None, None)
    if path.is_dir():
        return _from_hf(path, model_id, None, None)
    raise ConvertError(f"{source!r} is neither a catalog id ({', '.join(entries) or 'none'}), "
                       "a .gguf file nor a Hugging Face model folder")


def chat_format(bpe):
    template = bpe.chat_template or ""
    if "<|im_start|>" in template and "<|im_start|>" in bpe.tokens:
        return "chatml"
    raise ConvertError("the model's chat template is not ChatML (<|im_start|> turns), the "
                       "only one the MediaPipe engine writes for byte-level models")


def stop_tokens(bpe):
    stops = [bpe.tokens[bpe.eos_id]] if bpe.eos_id is not None else []
    stops += [t for t in STOP_TOKENS if t in bpe.tokens and t not in stops]
    if not stops:
        raise ConvertError("the tokenizer names no end-of-sequence token")
    return stops


def check_disk(src, quantize, where):
    """The export and the bundle each hold the quantized weights once; plus headroom."""
    need = int(src.params * QUANTIZATIONS[quantize] * 2.2) + (512 << 20)
    free = shutil.disk_usage(where).free
    if free < need:
        raise ConvertError(f"not enough disk: converting {src.model_id} needs about "
                           f"{need / 2**30:.1f} GiB free in {where}, {free / 2**30:.1f} GiB are")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def export_tflite(python, src, work, quantize, context=CONTEXT, prefill=PREFILL):
    """Run litert_export in the converter's environment -> path of the TFLite model."""
    cmd = [str(python), "-m", "tools.convert.litert_export", "--source", str(src.path),
           "--work", str(work), "--quantize", quantize, "--context", str(context),
           "--prefill", prefill]
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("[convert]")
             or line.startswith("cannot convert")]
    for line in lines:
        if line.startswith("[convert]"):
            print(line, flush=True)
    if proc.returncode == 2:
        raise ConvertError(lines[-1] if lines else proc.stderr.strip()[-2000:])
    if proc.returncode:
        raise ConvertError(f"litert-torch failed (exit {proc.returncode}):\n"
                           f"{proc.stderr.strip()[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return Path(result["tflite"])


def catalog_entry(src, command, file_name, url, size, sha256, context):
    return {
        "id": src.model_id,
        "name": src.name,
        "engine": "mediapipe",
        **({"license": src.license} if src.license else {}),
        "build": {"command": command},
        "chat_format": chat_format(src.bpe),
        "tokenizer": "byte-level",
        "force_f32": True,
        "context": context,
        "files": [{"name": file_name, "url": url, "size": size, "sha256": sha256}],
    }


def write_catalog(entry):
    write_entry(MODELS / "catalog.json", entry)


def install(task_path, src, file_name):
    """Hash the finished bundle, then move it into models/<id>/<sha8>/ in one rename; older
    builds of the same id are removed afterwards. -> (url, size, sha256)."""
    sha = sha256_file(task_path)
    folder = MODELS / src.model_id
    staging = task_path.parent
    (staging / (file_name + ".sha256")).write_text(sha + "\n")
    final = folder / sha[:8]
    if final.exists():
        shutil.rmtree(final)
    os.replace(staging, final)
    for old in folder.iterdir():
        if old.is_dir() and old.name != sha[:8] and not old.name.startswith("."):
            shutil.rmtree(old)
    return f"models/{src.model_id}/{sha[:8]}/{file_name}", (final / file_name).stat().st_size, sha


def convert(source, lora=None, quantize="dynamic_int8", model_id=None, context=CONTEXT,
            python=None):
    if lora is not None:
        raise ConvertError(LORA_REFUSED)
    if quantize not in QUANTIZATIONS:
        raise ConvertError(f"unknown quantization {quantize!r} ({', '.join(QUANTIZATIONS)})")
    catalog = json.loads((MODELS / "catalog.json").read_text())
    try:
        src = resolve(source, catalog, model_id)
    except (tokenizer.TokenizerError, GgufError) as exc:
        raise ConvertError(str(exc)) from None
    chat_format(src.bpe)
    stops = stop_tokens(src.bpe)
    MODELS.mkdir(exist_ok=True)
    check_disk(src, quantize, MODELS)
    log(f"{src.path.name}: {src.architecture}, about {src.params / 1e6:.0f}M parameters, "
        f"{len(src.bpe.tokens)} tokens; stop tokens {stops}")
    sp_model = tokenizer.sentencepiece_model(src.bpe)
    if python is None:
        from tools.convert import venv
        try:
            python = venv.ensure(log=log)
        except venv.VenvError as exc:
            raise ConvertError(str(exc)) from None
    WORK.mkdir(parents=True, exist_ok=True)
    folder = MODELS / src.model_id
    folder.mkdir(exist_ok=True)
    for stale in folder.glob(".partial-*"):     # left by a run that was killed
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f"{src.model_id}-", dir=WORK))
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
    try:
        log("exporting to TFLite with litert-torch (minutes)")
        tflite = export_tflite(python, src, work, quantize, context)
        file_name = f"{src.model_id}-{quantize}.task"
        bundle.write_task(staging / file_name, tflite, sp_model, stops)
        shutil.rmtree(work, ignore_errors=True)
        url, size, sha = install(staging / file_name, src, file_name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
        if not any(folder.iterdir()):
            folder.rmdir()
    entry = catalog_entry(src, build_command(source, quantize, model_id), file_name, url,
                          size, sha, context)
    write_catalog(entry)
    log(f"wrote {url} ({size / 2**20:.1f} MiB, sha256 {sha[:12]}…) and its catalog entry "
        f"{src.model_id!r}")
    return entry


def build_command(source, quantize, model_id):
    parts = ["python3 build.py convert", source, "--to mediapipe"]
    if quantize != "dynamic_int8":
        parts.append(f"--quantize {quantize}")
    if model_id:
        parts.append(f"--id {model_id}")
    return " ".join(parts)


def main(args):
    try:
        convert(args.source, lora=args.lora, quantize=args.quantize, model_id=args.id,
                context=args.context)
    except ConvertError as exc:
        sys.exit(f"[convert] error: {exc}")
