"""`build.py convert SOURCE --to mediapipe` (tools/convert/mediapipe.py) without the slow part:
the litert-torch export is replaced by a stand-in exporter (a script run the way the real
one is), so these run in seconds in CPython. What they pin: bad input fails first with a clear
message, a failed or interrupted export leaves no model and no catalog change, and a good
one ends as a verified `.task` under models/<id>/<sha8>/ with a valid catalog entry. The
real export is exercised by tests/engines/test_mediapipe_converted.py whenever its output
is present (converting takes minutes: not part of the default suite)."""
import json
import struct
import subprocess
import sys
import zipfile

import pytest

from app.download.catalog import parse_catalog
from tools import vendor
from tools.convert import bundle
from tools.convert import mediapipe as convert

ROOT = vendor.ROOT
FAKE_EXPORTER = """\
import json, pathlib, sys
args = dict(zip(sys.argv[3::2], sys.argv[4::2]))       # python -m tools.convert.litert_export ...
if {fail!r}:
    print("Traceback: litert-torch blew up", file=sys.stderr)
    sys.exit(1)
out = pathlib.Path(args["--work"]) / "model_q8_ekv1280.tflite"
out.write_bytes(b"\\x1c\\0\\0\\0TFL3" + bytes(range(256)) * 64)
print("[convert] exported (stand-in)", file=sys.stderr)
print(json.dumps({{"tflite": str(out), "check": [1, 2]}}))
"""


@pytest.fixture
def models(tmp_path, monkeypatch, site_dir):
    """A models/ folder of our own with a copy of the real catalog; the real GGUF as source."""
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "catalog.json").write_text((ROOT / "models" / "catalog.json").read_text())
    monkeypatch.setattr(convert, "MODELS", folder)
    monkeypatch.setattr(convert, "WORK", tmp_path / "work")
    return folder


@pytest.fixture
def gguf():
    return ROOT / vendor.embedded_models()[0]["files"][0]["url"]


def exporter(tmp_path, fail=False):
    script = tmp_path / ("fail.py" if fail else "ok.py")
    script.write_text(FAKE_EXPORTER.format(fail=fail))
    wrapper = tmp_path / ("python-fail" if fail else "python-ok")
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} {script} \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper


def write_gguf(path, **meta):
    """A GGUF header with string values only (enough for the checks before the export)."""
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, 0, len(meta)))
    for key, value in meta.items():
        k, v = key.encode(), value.encode()
        out += struct.pack("<Q", len(k)) + k + struct.pack("<I", 8) + struct.pack("<Q", len(v)) + v
    path.write_bytes(bytes(out))
    return path


def test_a_good_conversion_ends_as_a_verified_task_and_a_valid_catalog_entry(models, gguf, tmp_path):
    entry = convert.convert("smollm2-135m-instruct-q4_1", python=exporter(tmp_path))
    assert entry["id"] == "smollm2-135m-instruct-mediapipe"
    (file,) = entry["files"]
    path = models.parent / file["url"]          # the url is relative to the site root
    assert path.is_file() and path.stat().st_size == file["size"]
    assert path.parent.name == file["sha256"][:8]
    assert (path.parent / (file["name"] + ".sha256")).read_text().strip() == file["sha256"]
    assert convert.sha256_file(path) == file["sha256"]
    assert set(bundle.read_entries(path)) == {"TF_LITE_PREFILL_DECODE", "TOKENIZER_MODEL", "METADATA"}
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        metadata = z.read("METADATA")
    assert b"<|im_end|>" in metadata and b"<|endoftext|>" in metadata
    catalog = parse_catalog((models / "catalog.json").read_text())
    model = catalog.get(entry["id"])
    assert model.engine == "mediapipe" and model.extra["build"]["command"] == \
        "python3 build.py convert smollm2-135m-instruct-q4_1 --to mediapipe"
    assert model.extra["chat_format"] == "chatml" and model.extra["tokenizer"] == "byte-level"
    assert model.extra["force_f32"] is True
    assert catalog.default == "smollm2-135m-instruct-q4_1"        # the rest is untouched
    assert not list((models / entry["id"]).glob(".partial-*"))


def test_converting_again_replaces_the_entry_and_the_old_build(models, gguf, tmp_path):
    first = convert.convert("smollm2-135m-instruct-q4_1", python=exporter(tmp_path))
    stale = models / first["id"] / "deadbeef"
    stale.mkdir()
    second = convert.convert("smollm2-135m-instruct-q4_1", python=exporter(tmp_path))
    ids = [m["id"] for m in json.loads((models / "catalog.json").read_text())["models"]]
    assert ids.count(second["id"]) == 1 and not stale.exists()
    assert [p.name for p in (models / second["id"]).iterdir()] == [second["files"][0]["sha256"][:8]]


def test_a_failed_export_leaves_no_model_and_no_catalog_change(models, gguf, tmp_path):
    before = (models / "catalog.json").read_text()
    with pytest.raises(convert.ConvertError, match="(?s)litert-torch failed.*blew up"):
        convert.convert(str(gguf), python=exporter(tmp_path, fail=True))
    assert (models / "catalog.json").read_text() == before
    assert list(models.iterdir()) == [models / "catalog.json"]
    assert not list((tmp_path / "work").iterdir())


def test_an_interrupted_export_leaves_no_model(models, gguf, tmp_path, monkeypatch):
    def interrupted(*_args, **_kw):
        raise KeyboardInterrupt
    monkeypatch.setattr(convert, "export_tflite", interrupted)
    with pytest.raises(KeyboardInterrupt):
        convert.convert(str(gguf), python=exporter(tmp_path))
    assert list(models.iterdir()) == [models / "catalog.json"]


def test_unknown_architecture_is_refused_before_any_work(models, tmp_path):
    source = write_gguf(tmp_path / "other.gguf", **{"general.architecture": "mamba"})
    with pytest.raises(convert.ConvertError, match="unknown architecture 'mamba'.*knows llama"):
        convert.convert(str(source), python=exporter(tmp_path))
    hf = tmp_path / "gpt2-folder"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}))
    with pytest.raises(convert.ConvertError, match="unknown architecture 'gpt2' \\(GPT2LMHeadModel\\)"):
        convert.convert(str(hf), python=exporter(tmp_path))


def test_a_missing_tokenizer_is_refused(models, tmp_path):
    hf = tmp_path / "llama-folder"
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"model_type": "llama"}))
    with pytest.raises(convert.ConvertError, match="missing tokenizer: no tokenizer.json"):
        convert.convert(str(hf), python=exporter(tmp_path))
    bare = write_gguf(tmp_path / "bare.gguf", **{"general.architecture": "llama"})
    with pytest.raises(convert.ConvertError, match="bare.gguf: has no tokenizer"):
        convert.convert(str(bare), python=exporter(tmp_path))


def test_not_enough_disk_is_refused_with_what_is_needed(models, gguf, tmp_path, monkeypatch):
    class Usage:
        free = 100 << 20
    monkeypatch.setattr(convert.shutil, "disk_usage", lambda _path: Usage)
    with pytest.raises(convert.ConvertError, match=r"not enough disk: .* needs about 0\.\d GiB"):
        convert.convert(str(gguf), python=exporter(tmp_path))
    assert list(models.iterdir()) == [models / "catalog.json"]


def test_lora_is_refused_with_the_reason():
    with pytest.raises(convert.ConvertError, match="LoRA is not supported for converted LLM"):
        convert.convert("anything", lora="adapter.safetensors")


def test_the_cli_says_what_is_wrong_and_exits_non_zero():
    result = subprocess.run([sys.executable, "build.py", "convert", "no-such-model", "--to",
                             "mediapipe"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "is neither a catalog id" in result.stderr and "Traceback" not in result.stderr
