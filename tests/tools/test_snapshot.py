"""The Pyodide memory snapshot (tools/snapshot.py, static/js/pyodide-loader.mjs): built once,
named after what it was made from, restored by the page, and never trusted blindly."""
import json

import pytest

from tests.conftest import run_py, wait_for_boot
from tests.test_offline import copy_site
from tools import site, snapshot
from tools.devserver import serve_in_thread

RESTORED = "performance.getEntriesByName('pyodide-snapshot-restored').length"


def test_snapshot_is_built_named_by_its_inputs_and_wired_into_the_site(site_dir):
    path = snapshot.snapshot_path()
    assert path.exists() and path.name == f"pyodide-{snapshot.snapshot_key()}.bin"
    assert [p.name for p in snapshot.SNAPSHOT_DIR.iterdir()] == [path.name]   # old ones removed
    loader = (site_dir / site.LOADER).read_text()
    assert json.dumps(site.snapshot_url()) in loader
    assert site.snapshot_url() in site.warm_paths(site_dir)   # kept by the service worker


@pytest.mark.browser
def test_app_boots_from_the_snapshot_as_a_fresh_interpreter_would(browser, server, guard):
    states = []
    for _ in range(2):
        ctx = browser.new_context(service_workers="block", timezone_id="America/New_York")
        guard.attach(ctx)
        try:
            page = ctx.new_page()
            page.goto(server + "/")
            assert wait_for_boot(page) == "ready"
            assert page.evaluate(RESTORED) == 1
            states.append(run_py(page, """
import random, sys, time
[random.random(), time.timezone, time.altzone, list(time.tzname), time.localtime(0).tm_gmtoff,
 len(sys.path) == len(set(sys.path)), sys.executable]"""))
        finally:
            ctx.close()
    (r1, *rest1), (r2, *rest2) = states
    assert r1 != r2                       # reseeded: not the snapshot's random sequence
    # The page's zone, named the way Emscripten names zones, as a fresh boot would have it.
    assert rest1 == rest2 == [18000, 14400, ["UTC-0500", "UTC-0400"], -18000, True,
                              "/home/pyodide/this.program"]
    assert guard.blocked == []


@pytest.mark.browser
@pytest.mark.parametrize("replacement", ["missing", "not-a-snapshot"])
def test_a_missing_or_foreign_snapshot_means_a_normal_boot(page, site_dir, tmp_path, replacement):
    served = copy_site(tmp_path / "site")
    loader = served / site.LOADER
    loader.unlink()   # a copy, not the build's file
    target = "wasm/snapshot/missing.bin" if replacement == "missing" \
        else "wasm/pyodide@314.0.7/python_stdlib.zip"
    loader.write_text((site_dir / site.LOADER).read_text().replace(site.snapshot_url(), target))
    httpd, base = serve_in_thread(served)
    try:
        page.goto(base + "/")
        assert wait_for_boot(page) == "ready"
        assert page.evaluate(RESTORED) == 0
        assert run_py(page, "import sys; sys.version_info[:2]") == [3, 14]
    finally:
        httpd.stop()
