"""Fixtures for download tests: generated test files, the fault-injecting server, and one
booted app page per module (booting Pyodide is the slow part; tests use their own keys)."""
import hashlib
import random
from pathlib import Path

import pytest

from tests.conftest import RequestGuard, wait_for_boot
from tools import faultserver

HERE = Path(__file__).resolve().parent
MiB = 1 << 20
SIZE = 20 * MiB


PY_TIMEOUT_MS = 240_000


def run_py(pg, code, timeout_ms=PY_TIMEOUT_MS):
    """tests.conftest.run_py with a deadline: a hung page fails the test with the code it ran
    instead of hanging the suite."""
    return pg.evaluate("""([code, ms]) => Promise.race([appPython(code), new Promise((_, no) =>
        setTimeout(() => no(new Error(`no answer after ${ms} ms to: ${code.slice(0, 200)}`)), ms))])""",
                       [code, timeout_ms])


def make_file(path, size, seed):
    data = random.Random(seed).randbytes(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("files")
    return folder, {"f20.bin": (SIZE, make_file(folder / "f20.bin", SIZE, 20))}


@pytest.fixture(scope="module")
def fault(site_dir, files):
    server, base, state = faultserver.start(site_dir, files[0])
    state.base = base
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def dl_context(browser):
    guard = RequestGuard()
    ctx = browser.new_context(service_workers="block")
    guard.attach(ctx)
    yield ctx
    ctx.close()
    assert not guard.blocked, f"requests tried to leave the machine: {guard.blocked}"


def open_app(context, base):
    pg = context.new_page()
    pg.console_messages_seen = []
    pg.on("console", lambda m: pg.console_messages_seen.append(f"{m.type}: {m.text}"))
    pg.goto(base + "/")
    assert wait_for_boot(pg) == "ready", pg.inner_text("body")
    run_py(pg, (HERE / "page_helpers.py").read_text())
    return pg


@pytest.fixture(scope="module")
def dl_page(dl_context, fault):
    return open_app(dl_context, fault.base)


@pytest.fixture(autouse=True)
def _clean_faults(request):
    if "fault" in request.fixturenames:
        request.getfixturevalue("fault").reset()
