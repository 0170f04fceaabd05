"""Chunk manifests (app/download/manifest.py) and the catalog's reference to them: pure, CPython."""
import hashlib
import json
from pathlib import Path

import pytest

from app.download.catalog import CatalogError, parse_catalog
from app.download.manifest import Manifest, ManifestError, make_manifest, parse_manifest
from app.download.plan import Runs

ROOT = Path(__file__).resolve().parents[2]


def manifest_of(data, chunk_size):
    chunks = tuple(hashlib.sha256(data[i:i + chunk_size]).hexdigest()
                   for i in range(0, len(data), chunk_size))
    return Manifest(len(data), chunk_size, hashlib.sha256(data).hexdigest(), chunks)


def test_make_manifest_hashes_every_chunk_and_the_whole_file(tmp_path):
    data = bytes(range(256)) * 41          # 10,496 bytes: 10 whole chunks of 1,000 and a tail
    (tmp_path / "f").write_bytes(data)
    m = make_manifest(tmp_path / "f", 1000)
    assert m == manifest_of(data, 1000)
    assert len(m.chunks) == 11 and m.span(10) == (10_000, 10_496)
    assert m.expected(1000, 2000) == hashlib.sha256(data[1000:2000]).hexdigest()
    with pytest.raises(ValueError):
        m.expected(1000, 1500)             # not a chunk
    with pytest.raises(ValueError):
        m.index(1500)


def test_round_trip_through_canonical_bytes_checked_by_their_sha256():
    m = manifest_of(b"x" * 2500, 1000)
    data = m.to_json()
    assert parse_manifest(data, hashlib.sha256(data).hexdigest(), 2500, m.sha256) == m
    assert m.to_json() == data             # deterministic: build.py's catalog hash stays valid


def test_a_stale_manifest_is_refused_by_its_sha256():
    old, new = manifest_of(b"a" * 3000, 1000), manifest_of(b"b" * 3000, 1000)
    with pytest.raises(ManifestError, match="stale or altered"):
        parse_manifest(old.to_json(), hashlib.sha256(new.to_json()).hexdigest())


@pytest.mark.parametrize("change, message", [
    ({"format": 2}, "format"),
    ({"chunk_size": 0}, "positive"),
    ({"size": -1}, "byte 'size'"),
    ({"sha256": "nope"}, "64 hex"),
    ({"chunks": ["ab" * 32]}, "lists 1 chunks"),
    ({"chunks": ["zz"] * 3}, "list of 64"),
])
def test_malformed_manifests_say_what_is_wrong(change, message):
    raw = json.loads(manifest_of(b"c" * 3000, 1000).to_json())
    raw.update(change)
    with pytest.raises(ManifestError, match=message):
        parse_manifest(json.dumps(raw))


def test_a_manifest_for_another_file_is_refused():
    m = manifest_of(b"d" * 3000, 1000)
    with pytest.raises(ManifestError, match="catalog says 3001"):
        parse_manifest(m.to_json(), size=3001)
    with pytest.raises(ManifestError, match="another file"):
        parse_manifest(m.to_json(), sha256="00" * 32)


def test_whole_chunks_counts_only_chunks_a_resume_has_entirely():
    m = manifest_of(b"e" * 3500, 1000)
    assert m.whole_chunks([(0, 1000), (1500, 3500)]) == [0, 2, 3]
    assert m.whole_chunks([]) == []


def test_the_committed_catalog_names_the_manifest_build_py_writes():
    f = parse_catalog((ROOT / "models" / "catalog.json").read_text()).default_model().files[0]
    assert f.chunks is not None and f.chunks.url.endswith(f.name + ".chunks.json")
    built = ROOT / f.chunks.url
    if built.exists():                    # present once build.py has run
        m = parse_manifest(built.read_bytes(), f.chunks.sha256, f.size, f.sha256)
        assert m.chunk_size == 5 << 20


def entry(chunks):
    return {"format": 1, "models": [{"id": "m", "files": [
        {"name": "a", "url": "u/a", "size": 3, "sha256": "ab" * 32, "chunks": chunks}]}]}


def test_catalog_chunks_reference_is_validated_and_kept():
    model = parse_catalog(entry({"url": "u/a.chunks.json", "sha256": "CD" * 32})).get("m")
    assert model.files[0].chunks.sha256 == "cd" * 32
    assert model.as_dict()["files"][0]["chunks"] == {"url": "u/a.chunks.json", "sha256": "cd" * 32}
    assert parse_catalog({"format": 1, "models": [model.as_dict()]}).get("m") == model
    for bad, message in [("x", "must be an object"), ({"sha256": "cd" * 32}, "'url'"),
                         ({"url": "u", "sha256": "no"}, "64 hex")]:
        with pytest.raises(CatalogError, match=message):
            parse_catalog(entry(bad))


def test_a_chunk_handed_out_again_comes_next_and_alone():
    runs = Runs([(0, 10), (10, 20), (20, 30), (30, 40)], parallel=1, max_bytes=20)
    assert runs.next() == [(0, 10), (10, 20)]
    runs.again((0, 10))
    assert runs.next() == [(0, 10)]
    assert runs.next() == [(20, 30), (30, 40)] and runs.next() is None
