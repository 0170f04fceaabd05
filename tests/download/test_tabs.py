"""Two tabs asking for the same model: one download (Web Locks); the other tab shows its
progress (BroadcastChannel) and uses the result."""
import pytest

from tests.download.conftest import run_py, MiB, SIZE, open_app
from tests.download.test_fetch_faults import CHUNK, stored_sha, wait_until

pytestmark = pytest.mark.browser

STORE = "get_store('idb')"


def test_two_tabs_asking_for_the_same_model_make_one_download(dl_context, fault, files):
    sha = files[1]["f20.bin"][1]
    model = f"test_model('twotabs', 'f20.bin', {SIZE}, {sha!r})"
    first, second = open_app(dl_context, fault.base), open_app(dl_context, fault.base)
    try:
        fault.reset(bandwidth=1 * MiB)
        run_py(first, f"start_shared('a', {STORE}, {model})")
        wait_until(first, lambda: fault.stats.bytes_sent > 2 * MiB)
        run_py(second, f"start_shared('b', {STORE}, {model})")
        # the second tab waits, showing the first tab's progress as it moves
        wait_until(second, lambda: any(e["state"] == "waiting" and e["done"] > 4 * MiB
                                       for e in run_py(second, "shared_events('b')")))
        a = run_py(first, "await finish_shared('a')")
        b = run_py(second, "await finish_shared('b')")
        assert a["ok"] and b["ok"], (a, b)
        assert a["meta"][0]["sha256"] == b["meta"][0]["sha256"] == sha
        assert fault.stats.bytes_sent == SIZE            # one download, every byte once
        gets = [r for r in fault.stats.requests if r[0] == "GET"]
        assert len(gets) == SIZE // CHUNK
        assert stored_sha(second, "twotabs/f20.bin", STORE) == sha
        assert run_py(second, "shared_events('b')")[-1]["state"] == "done"
    finally:
        first.close()
        second.close()


def test_a_waiting_tab_takes_over_when_the_downloading_tab_closes(dl_context, fault, files):
    sha = files[1]["f20.bin"][1]
    model = f"test_model('takeover', 'f20.bin', {SIZE}, {sha!r})"
    first, second = open_app(dl_context, fault.base), open_app(dl_context, fault.base)
    try:
        fault.reset(bandwidth=1 * MiB)
        run_py(first, f"start_shared('a', {STORE}, {model})")
        wait_until(first, lambda: fault.stats.bytes_sent > 2 * MiB)
        run_py(second, f"start_shared('b', {STORE}, {model})")
        wait_until(second, lambda: run_py(second, "(shared_events('b') or [{'done': 0}])[-1]['done']") >= SIZE // 3)
        first.close()
        fault.set(bandwidth=None)
        b = run_py(second, "await finish_shared('b')")
        assert b["ok"], b
        assert fault.stats.bytes_sent <= SIZE + 6 * CHUNK   # resumed, not restarted
        assert stored_sha(second, "takeover/f20.bin", STORE) == sha
    finally:
        if not first.is_closed():
            first.close()
        second.close()
