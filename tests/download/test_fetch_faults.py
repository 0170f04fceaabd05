"""Downloads into a real store through a server that misbehaves: every fault ends with a
verified entry, or a clear error and no complete-looking entry."""
import time

import pytest

from app.download.plan import RetryPolicy
from tests.download.conftest import run_py, MiB, SIZE

pytestmark = pytest.mark.browser

CHUNK = 2 * MiB
PARALLEL = 6
STORE = "get_store('opfs')"      # the default store; every store is covered in test_resume
_counter = iter(range(10**6))


def start(page, fault, files, *, sha="expected", size="expected", file="f20.bin", model=None,
          store=STORE, **kw):
    """Start a download of `file` (as a fresh model id unless `model` is given); -> (name, key).
    `name` identifies this run in the page; the model id (and so the store key) may repeat."""
    real_size, real_sha = files[1][file]
    size = real_size if size == "expected" else size
    sha = real_sha if sha == "expected" else sha
    name = f"m{next(_counter)}"
    model = model or name
    opts = ", ".join(f"{k}={v!r}" for k, v in {"chunk_size": CHUNK, "parallel": PARALLEL, **kw}.items())
    run_py(page, f"start({name!r}, {store}, test_model({model!r}, {file!r}, {size!r}, {sha!r}), {opts})")
    return name, f"{model}/{file}"


def finish(page, name):
    return run_py(page, f"await finish({name!r})")


def state_of(page, key, store=STORE):
    return run_py(page, f"await store_state({store}, {key!r})")


def stored_sha(page, key, store=STORE):
    return run_py(page, f"await stored_sha256({store}, {key!r})")


def pause(page, seconds):
    """Sleep while letting Playwright work: the request guard's route handler runs on this
    thread, so a bare time.sleep would hold every request of the page."""
    page.wait_for_timeout(seconds * 1000)


def wait_until(page, predicate, timeout=60, step=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        pause(page, step)
    raise AssertionError("condition not reached in time")


def test_clean_download_is_verified_committed_and_reports_progress(dl_page, fault, files):
    name, key = start(dl_page, fault, files)
    result = finish(dl_page, name)
    assert result["ok"], result
    assert result["meta"][0]["sha256"] == files[1]["f20.bin"][1]
    assert stored_sha(dl_page, key) == files[1]["f20.bin"][1]
    assert state_of(dl_page, key) == {"complete": True, "partial": False}
    assert fault.stats.bytes_sent == SIZE                  # every byte exactly once
    ranged = [r for r in fault.stats.requests if r[0] == "GET"]
    assert len(ranged) == SIZE // CHUNK and all(r[2] and r[3] == 206 for r in ranged)
    events = run_py(dl_page, f"events_of({name!r})")
    done = [e["done"] for e in events]
    assert done == sorted(done) and events[-1]["state"] == "done"
    assert events[-1]["done"] == events[-1]["total"] == SIZE
    assert events[-1]["files"][0] == {"name": "f20.bin", "total": SIZE, "done": SIZE, "state": "done"}
    assert any(e["state"] == "downloading" and e["rate"] > 0 for e in events)
    assert any(e["state"] == "verifying" for e in events)


def test_a_second_request_for_a_complete_model_makes_no_download(dl_page, fault, files):
    name, key = start(dl_page, fault, files)
    assert finish(dl_page, name)["ok"]
    fault.reset()
    run_py(dl_page, f"start('again', {STORE}, test_model({name!r}, 'f20.bin', {SIZE}, "
                    f"{files[1]['f20.bin'][1]!r}))")
    assert finish(dl_page, "again")["ok"]
    assert fault.stats.requests == []


@pytest.mark.parametrize("faults", [
    pytest.param({"fail_every": 3}, id="500-every-3rd-request"),
    pytest.param({"ignore_range": True}, id="range-ignored"),
    pytest.param({"no_content_length": True}, id="no-content-length"),
    pytest.param({"drop_after": 7 * MiB}, id="connection-dropped"),
    pytest.param({"drop_after": 7 * MiB, "no_content_length": True}, id="truncated-chunk"),
    pytest.param({"change_after": 5 * MiB}, id="etag-changed"),
])
def test_fault_mode_ends_with_a_verified_file(dl_page, fault, files, faults):
    fault.reset(**faults)
    name, key = start(dl_page, fault, files)
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key) == files[1]["f20.bin"][1]
    assert state_of(dl_page, key) == {"complete": True, "partial": False}
    sent = fault.stats.bytes_sent
    if faults.get("change_after"):
        assert fault.stats.changes == 1
        assert sent >= SIZE + 5 * MiB, fault.stats.requests  # restarted clean
    elif faults.get("ignore_range"):
        assert sent <= 2 * SIZE             # one whole body, not one per parallel request
    else:
        assert sent <= SIZE + PARALLEL * CHUNK


def test_file_replaced_mid_way_restarts_clean_on_the_new_version(dl_page, fault, files, tmp_path):
    folder = files[0]
    v1 = (folder / "f20.bin").read_bytes()
    v2 = bytes(reversed(v1[:4 * MiB])) + v1[4 * MiB:]
    import hashlib
    try:
        fault.reset(change_after=3 * MiB, change_to=v2)
        name, key = start(dl_page, fault, files, sha=None)      # sha256 not in the catalog
        result = finish(dl_page, name)
        assert result["ok"], result
        assert stored_sha(dl_page, key) == hashlib.sha256(v2).hexdigest()   # never a mix
    finally:
        (folder / "f20.bin").write_bytes(v1)


def test_sha256_mismatch_discards_the_entry_with_a_clear_error(dl_page, fault, files):
    name, key = start(dl_page, fault, files, sha="0" * 64)
    result = finish(dl_page, name)
    assert not result["ok"] and result["type"] == "VerifyError"
    assert "sha256 mismatch" in result["error"] and "discarded" in result["error"]
    assert state_of(dl_page, key) == {"complete": False, "partial": False}


def test_persistent_server_errors_give_up_with_a_clear_error(dl_page, fault, files):
    fault.reset(fail_every=1)
    name, key = start(dl_page, fault, files)
    result = finish(dl_page, name)
    assert not result["ok"] and result["type"] == "DownloadError"
    assert "HTTP 500" in result["error"] and "gave up after 3 retries" in result["error"]
    assert state_of(dl_page, key)["complete"] is False


def test_missing_file_and_wrong_size_are_clear_errors(dl_page, fault, files, tmp_path):
    run_py(dl_page, f"start('nofile', {STORE}, test_model('nofile', 'nope.bin', 10, None))")
    result = finish(dl_page, "nofile")
    assert not result["ok"] and "HTTP 404" in result["error"]
    name, key = start(dl_page, fault, files, size=SIZE + 1)
    result = finish(dl_page, name)
    assert not result["ok"] and "catalog says" in result["error"]
    assert state_of(dl_page, key)["complete"] is False



def test_runs_of_chunks_share_one_request_and_survive_a_dropped_connection(dl_page, fault, files):
    fault.reset(drop_after=7 * MiB)
    name, key = start(dl_page, fault, files, chunk_size=MiB)      # runs of several chunks
    result = finish(dl_page, name)
    assert result["ok"], result
    assert stored_sha(dl_page, key) == files[1]["f20.bin"][1]
    gets = [r for r in fault.stats.requests if r[0] == "GET"]
    assert len(gets) < SIZE // MiB                      # fewer requests than chunks
    assert fault.stats.bytes_sent <= SIZE + PARALLEL * MiB


@pytest.mark.parametrize("store", ["get_store('opfs')", "get_store('cache')"])
def test_a_failed_download_aborts_every_request_still_open(dl_page, fault, files, store):
    # Request 3 fails for good while the others wait for their headers: they must be aborted,
    # not answered into bodies nobody reads (each would hold one of the browser's 6 connections).
    fault.reset(fail_every=3, fail_status=403, header_delay=1.0)
    name, key = start(dl_page, fault, files, store=store)
    result = finish(dl_page, name)
    assert not result["ok"] and "HTTP 403" in result["error"], result
    pause(dl_page, 2.5)                                  # the delayed answers went out by now
    assert fault.stats.active == 0
    full = [b for b in fault.stats.bodies if b[2] == b[1]]
    assert len(full) <= 1, fault.stats.bodies           # only the first chunk, read before the failure


@pytest.mark.parametrize("store, faults", [
    pytest.param(STORE, {}, id="opfs-worker-runs"),
    pytest.param("get_store('cache')", {}, id="cache-chunk-buffers"),
    pytest.param(STORE, {"ignore_range": True}, id="range-ignored-whole-body"),
])
def test_a_body_that_stalls_is_given_up_and_asked_for_again(dl_page, fault, files, store, faults):
    # The server stops sending mid-body and keeps the connection (for 120 s): the download
    # must notice the silence (stall=1 s here, 30 s by default) and ask again for the rest.
    fault.reset(stall_after=7 * MiB, **faults)
    began = time.monotonic()
    name, key = start(dl_page, fault, files, store=store,
                      retry=RetryPolicy(retries=3, base_delay=0.05, max_delay=0.2, stall=1.0))
    result = finish(dl_page, name)
    assert result["ok"], result
    assert fault.stalled == 1
    assert time.monotonic() - began < 60      # not the server's 120 s: it was given up
    assert stored_sha(dl_page, key, store) == files[1]["f20.bin"][1]
    assert state_of(dl_page, key, store) == {"complete": True, "partial": False}
    limit = 2 * SIZE if faults else SIZE + PARALLEL * CHUNK
    assert fault.stats.bytes_sent <= limit


def test_backoff_pause_survives_a_clock_that_moves_between_two_reads(dl_page):
    """Regression: under load the clock moved between asyncio's timeout check and Pyodide's
    WebLoop.call_at, which then raised "Can't schedule in the past" and failed a download in
    its retry pause ("unexpected error: ValueError"). The clock is scripted here to do that."""
    result = run_py(dl_page, """
import asyncio
from app.download.fetcher import Session
loop = asyncio.get_event_loop()
real, t0, calls = loop.time, loop.time(), []
def scripted():
    calls.append(1)
    return t0 if len(calls) <= 2 else (t0 + 1.0 if len(calls) == 3 else real())
loop.time = scripted
try:
    await Session(1).sleep(0.05)
    outcome = "slept"
except Exception as exc:
    outcome = repr(exc)
finally:
    del loop.time
outcome
""")
    assert result == "slept"
