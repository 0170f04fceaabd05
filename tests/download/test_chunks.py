"""Files with a chunk manifest: every chunk checked as it arrives, a bad chunk fetched again
alone, stored chunks checked again on resume and on load, a stale manifest refused; always a
verified file or a clear error, never anything complete-looking. Real Chromium, real stores,
the real fault server (its byte counter says what was sent again)."""
import hashlib

import pytest

from app.download.manifest import make_manifest
from tests.download.conftest import MiB, SIZE, run_py
from tests.download.test_fetch_faults import (CHUNK, PARALLEL, finish, state_of, stored_sha,
                                              wait_until)

pytestmark = pytest.mark.browser

FILE = "f20.bin"
_counter = iter(range(10**6))


@pytest.fixture(scope="module")
def manifest(files):
    """files/f20.bin.chunks.json (2 MiB chunks, the tests' chunk size) -> its sha256."""
    folder = files[0]
    data = make_manifest(folder / FILE, CHUNK).to_json()
    (folder / (FILE + ".chunks.json")).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def start(page, files, manifest, store="get_store('opfs')", model=None, **kw):
    size, sha = files[1][FILE]
    name = f"c{next(_counter)}"
    model = model or name
    opts = ", ".join(f"{k}={v!r}" for k, v in {"chunk_size": CHUNK, "parallel": PARALLEL, **kw}.items())
    run_py(page, f"start({name!r}, {store}, test_model({model!r}, {FILE!r}, {size}, {sha!r}, "
                 f"{manifest!r}), {opts})")
    return name, f"{model}/{FILE}"


def chunk_gets(fault, k):
    """Ranged GETs of the file that started at chunk k."""
    return [r for r in fault.stats.requests
            if r[0] == "GET" and FILE in r[1] and r[2] and r[2].startswith(f"bytes={k * CHUNK}-")]


def digest_helper(page, drop=False):
    """Where the OPFS worker's chunk digests ran: {helper, there, here} (opfs-worker.js)."""
    return run_py(page, "store = get_store('opfs'); await store.mode(); "
                        f"(await store.worker.call('digestHelper', drop={drop})).to_py()")


def test_clean_download_checks_chunks_and_commits_without_a_whole_file_hash(dl_page, fault, files, manifest):
    before = digest_helper(dl_page)
    name, key = start(dl_page, files, manifest)
    result = finish(dl_page, name)
    assert result["ok"], result
    assert result["meta"][0]["sha256"] == files[1][FILE][1]
    assert stored_sha(dl_page, key) == files[1][FILE][1]
    assert fault.stats.bytes_sent == SIZE
    manifests = [r for r in fault.stats.requests if r[1].endswith(".chunks.json")]
    assert len(manifests) == 1
    after = digest_helper(dl_page)          # hashed beside the worker that reads the bodies
    assert after["helper"] == "running" and after["here"] == before["here"], after
    assert after["there"] - before["there"] == SIZE // CHUNK


@pytest.mark.parametrize("kind", ["opfs", "cache", "idb"])
def test_a_corrupt_chunk_is_fetched_again_alone(dl_page, fault, files, manifest, kind):
    store = f"get_store({kind!r})"
    fault.corrupt_chunk(5, 12345, CHUNK)
    name, key = start(dl_page, files, manifest, store=store)
    result = finish(dl_page, name)
    assert result["ok"], result
    assert fault.stats.corrupted == 1
    assert stored_sha(dl_page, key, store) == files[1][FILE][1]
    assert fault.stats.bytes_sent == SIZE + CHUNK          # that chunk once more, nothing else
    again = chunk_gets(fault, 5)[-1]
    assert again[2] == f"bytes={5 * CHUNK}-{6 * CHUNK - 1}" and again[3] == 206
    events = run_py(dl_page, f"events_of({name!r})")
    assert events[-1]["done"] == events[-1]["total"] == SIZE


def test_a_chunk_that_never_verifies_fails_clearly_and_nothing_is_committed(dl_page, fault, files, manifest):
    fault.corrupt_chunk(9, 0, CHUNK, times=1000)
    name, key = start(dl_page, files, manifest)
    result = finish(dl_page, name)
    assert not result["ok"] and result["type"] == "DownloadError", result
    assert "chunk 9" in result["error"] and "sha256 check" in result["error"]
    assert state_of(dl_page, key) == {"complete": False, "partial": True}
    # Bounded: the first try and MAX_BAD_CHUNK more, each that chunk alone.
    assert len(chunk_gets(fault, 9)) == 4
    # The chunks that passed are kept: once the server is right, only chunk 9 travels.
    fault.reset()
    name, key = start(dl_page, files, manifest, model=key.split("/")[0])
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key) == files[1][FILE][1]
    assert fault.stats.bytes_sent == CHUNK


def test_a_stale_manifest_is_a_clear_error_and_downloads_nothing(dl_page, fault, files, manifest):
    stale = make_manifest(files[0] / FILE, CHUNK)
    stale = stale.__class__(stale.size, stale.chunk_size, stale.sha256,
                            stale.chunks[1:] + stale.chunks[:1]).to_json()
    fault.reset(stale_manifest=stale)
    name, key = start(dl_page, files, manifest)
    result = finish(dl_page, name)
    assert not result["ok"] and result["type"] == "DownloadError", result
    assert "chunk manifest is not the one the catalog names" in result["error"]
    assert "stale" in result["error"] and "nothing was downloaded" in result["error"]
    assert fault.stats.bytes_sent == 0
    assert state_of(dl_page, key) == {"complete": False, "partial": False}


def test_resume_checks_stored_chunks_and_fetches_a_corrupt_one_again(dl_page, fault, files, manifest):
    fault.reset(down_after=SIZE // 2)
    name, key = start(dl_page, files, manifest)
    assert not finish(dl_page, name)["ok"]
    assert state_of(dl_page, key) == {"complete": False, "partial": True}
    sent = fault.stats.bytes_sent
    run_py(dl_page, f"await corrupt_opfs({key!r}, {CHUNK + 777})")     # chunk 1, stored
    fault.reset()
    name, key = start(dl_page, files, manifest, model=key.split("/")[0])
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key) == files[1][FILE][1]
    assert len(chunk_gets(fault, 1)) == 1 and chunk_gets(fault, 1)[0][2] == f"bytes={CHUNK}-{2 * CHUNK - 1}"
    # Sent again: the chunks in flight at the cut, and the corrupt one.
    assert sent + fault.stats.bytes_sent - SIZE <= PARALLEL * CHUNK + CHUNK


@pytest.mark.parametrize("kind", ["cache", "idb"])
def test_resume_checks_stored_chunks_in_the_buffer_lane_stores(dl_page, fault, files, manifest, kind):
    """Their stored chunks are read back in order once the file is whole, then committed."""
    store = f"get_store({kind!r})"
    fault.reset(down_after=SIZE // 2)
    name, key = start(dl_page, files, manifest, store=store)
    assert not finish(dl_page, name)["ok"]
    assert state_of(dl_page, key, store) == {"complete": False, "partial": True}
    sent = fault.stats.bytes_sent
    fault.reset()
    name, key = start(dl_page, files, manifest, store=store, model=key.split("/")[0])
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key, store) == files[1][FILE][1]
    assert sent + fault.stats.bytes_sent - SIZE <= PARALLEL * CHUNK
    assert any(e["state"] == "verifying" for e in run_py(dl_page, f"events_of({name!r})"))


def test_a_corrupt_chunk_of_a_stored_model_is_repaired_on_load(dl_page, fault, files, manifest):
    name, key = start(dl_page, files, manifest)
    assert finish(dl_page, name)["ok"]
    run_py(dl_page, f"await corrupt_opfs({key!r}, {7 * CHUNK + 3}, complete=True)")
    assert stored_sha(dl_page, key) != files[1][FILE][1]
    fault.reset()
    name, key = start(dl_page, files, manifest, model=key.split("/")[0])
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key) == files[1][FILE][1]
    assert state_of(dl_page, key) == {"complete": True, "partial": False}
    assert fault.stats.bytes_sent == CHUNK                 # chunk 7 alone
    assert chunk_gets(fault, 7)[0][2] == f"bytes={7 * CHUNK}-{8 * CHUNK - 1}"


def test_a_sound_stored_model_is_checked_on_load_and_nothing_is_fetched(dl_page, fault, files, manifest):
    name, key = start(dl_page, files, manifest)
    assert finish(dl_page, name)["ok"]
    fault.reset()
    name, key = start(dl_page, files, manifest, model=key.split("/")[0])
    assert finish(dl_page, name)["ok"]
    assert fault.stats.bytes_sent == 0
    assert [r[0] for r in fault.stats.requests] == ["GET"]  # the manifest, nothing else


def test_a_bad_chunk_in_the_middle_of_a_run_is_fetched_again_alone(dl_page, fault, files, manifest):
    """OPFS: the worker fetches a run of chunks in one request and checks each as it lands;
    a bad one in the middle goes back to the queue while the run carries on."""
    fault.corrupt_chunk(2, 999, CHUNK)
    name, key = start(dl_page, files, manifest, parallel=2)        # runs of 5 chunks
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key) == files[1][FILE][1]
    gets = [r for r in fault.stats.requests if r[0] == "GET" and FILE in r[1] and r[2]]
    assert len(gets) < SIZE // CHUNK                         # runs: fewer requests than chunks
    first = next(r for r in gets if r[2].startswith("bytes=0-"))
    assert int(first[2].split("-")[1]) + 1 >= 4 * CHUNK       # chunks 0-3 (at least) in one
    assert chunk_gets(fault, 2)[-1][2] == f"bytes={2 * CHUNK}-{3 * CHUNK - 1}"   # alone
    assert fault.stats.bytes_sent == SIZE + CHUNK            # nothing but that chunk again
    assert not chunk_gets(fault, 3)                           # the run went on past it


def test_cancel_during_a_run_stops_it_and_keeps_its_checked_chunks(dl_page, fault, files, manifest):
    """OPFS: a cancel reaches the request the worker is reading a run from; the run's chunks
    that were checked before it are kept, so a resume fetches the rest only."""
    fault.reset(bandwidth=2 << 20)
    name, key = start(dl_page, files, manifest, parallel=1)        # one run of 8 chunks
    wait_until(dl_page, lambda: fault.stats.bytes_sent >= 5 * CHUNK // 2)
    run_py(dl_page, f"downloads[{name!r}][0].cancel()")
    wait_until(dl_page, lambda: fault.stats.active == 0, timeout=1)   # cut within a second
    sent = fault.stats.bytes_sent
    result = finish(dl_page, name)
    assert not result["ok"] and result["type"] == "Cancelled", result
    assert state_of(dl_page, key) == {"complete": False, "partial": True}
    fault.reset()
    name, key = start(dl_page, files, manifest, model=key.split("/")[0])
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key) == files[1][FILE][1]
    assert sent + fault.stats.bytes_sent - SIZE <= CHUNK      # the chunk cut short, no more


def test_chunks_are_still_checked_when_the_digest_helper_is_gone(dl_page, fault, files, manifest):
    """The nested digest worker failed (or stopped answering): the OPFS worker hashes the
    chunks itself, a corrupt one is still caught. Last in this module: the helper stays gone."""
    digest_helper(dl_page, drop=True)
    before = digest_helper(dl_page)
    fault.corrupt_chunk(3, 777, CHUNK)
    name, key = start(dl_page, files, manifest)
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key) == files[1][FILE][1]
    assert fault.stats.bytes_sent == SIZE + CHUNK
    after = digest_helper(dl_page)
    assert after["helper"] == "dropped" and after["there"] == before["there"]
    assert after["here"] - before["here"] == SIZE // CHUNK + 1
