"""The storage benchmark: statistics and flags (CPython), the page (chart, table, "use the
fastest store") and the headless CLI at a tiny size (JSON with every path, both directions,
every statistic, plus the chart image)."""
import json
import os
import subprocess
import sys

import pytest

from app import bench
from tests.conftest import run_py, wait_for_boot
from tools.vendor import ROOT

STATS = {"median", "min", "max", "n", "mb_s"}


def entry(path, size, store_ms, restore_ms, error=None):
    e = {"path": path, "size_mib": size, "error": error,
         "store": bench.summarize(store_ms, size << 20),
         "restore": bench.summarize(restore_ms, size << 20)}
    e["flags"] = bench.flags(e)
    return e


def test_summary_and_flags():
    s = bench.summarize([30.0, 10.0, 20.0], 20_000_000)
    assert s == {"median": 20.0, "min": 10.0, "max": 30.0, "n": 3, "mb_s": 1000.0}
    assert entry("py-opfs", 64, [100.0], [50.0])["flags"] == []
    assert entry("js-cache", 256, [], [], error="UnknownError: x")["flags"] == ["failed: UnknownError: x"]
    impossible = entry("py-idb", 256, [100.0], [0.001])
    assert any("faster than memory" in f for f in impossible["flags"])


def test_ratios_and_fastest_leave_flagged_results_out():
    results = [entry("py-opfs", 64, [200.0], [100.0]), entry("js-opfs", 64, [100.0], [100.0]),
               entry("py-idb", 64, [150.0], [100.0]),
               entry("py-cache", 64, [10.0], [0.001]),          # impossible: flagged
               entry("js-idb", 64, [], [], error="boom")]
    assert bench.ratios(results, 64) == {"opfs": {"store": 0.5, "restore": 1.0}}
    assert bench.fastest(results) == "idb"
    assert bench.fastest([entry("py-opfs-main", 1, [1.0], [1.0])]) == "opfs"


def test_ratios_pair_the_rounds_when_both_paths_have_them():
    py, plain = entry("py-idb", 64, [100.0, 400.0, 100.0], [100.0] * 3), \
        entry("js-idb", 64, [100.0, 100.0, 300.0], [100.0] * 3)
    py["samples_ms"] = {"store": [100.0, 400.0, 100.0], "restore": [100.0] * 3}
    plain["samples_ms"] = {"store": [100.0, 100.0, 300.0], "restore": [100.0] * 3}
    # windows of two rounds, js/py: 200/500 = 0.4, 400/500 = 0.8 -> median 0.6
    assert bench.ratios([py, plain], 64) == {"idb": {"store": pytest.approx(0.6), "restore": 1.0}}


def test_paired_ratio_cancels_a_cost_that_lands_on_whoever_goes_first():
    # Rounds alternate who goes first; the first step of every round pays 3x. Per round the
    # ratio would be 3 or 1/3 (its median flips with one round more or less); per window
    # of two rounds both sides pay once.
    py = [300.0, 100.0, 300.0, 100.0, 300.0, 100.0]
    js = [100.0, 300.0, 100.0, 300.0, 100.0, 300.0]
    assert bench.paired_ratio(js, py) == 1.0
    assert bench.paired_ratio(js[:5], py[:5]) == 1.0
    assert bench.paired_ratio([90.0], [100.0]) == 0.9
    slower = [t * 1.25 for t in py]       # Python 25 % slower in every round
    assert bench.paired_ratio(js, slower) == pytest.approx(0.8)


def test_rounds_put_each_python_path_next_to_its_js_twin_alternating():
    assert bench.round_order(bench.PATHS, 0) == [
        ["py-cache", "js-cache"], ["py-opfs", "js-opfs"], ["py-opfs-main"], ["py-idb", "js-idb"]]
    assert bench.round_order(bench.PATHS, 1) == [
        ["js-cache", "py-cache"], ["js-opfs", "py-opfs"], ["py-opfs-main"], ["js-idb", "py-idb"]]


def test_cli_table_has_engine_ready_rows():
    from tools.bench.storage import engine_paths, to_result
    ready = {"path": "py-opfs", "error": None, "samples_ms": [900.0, 1100.0],
             "ready": bench.summarize([900.0, 1100.0], 98_362_432)}
    ready["flags"] = bench.flags(ready)
    report = {"results": [entry("py-opfs", 1, [1.0], [1.0])], "ratios": {}, "ratio_size_mib": 1,
              "fastest": "opfs", "engine": {"model": "m", "engine": "wllama", "size": 98_362_432,
                                            "backend": "wasm", "threads": 2, "results": [ready]}}
    report["results"][0]["samples_ms"] = {"store": [1.0], "restore": [1.0]}
    result = to_result(report, "156")
    row = result.rows[-1]
    assert row[0] == "ready:py-opfs" and row[6] == 1000.0 and row[-1] == "ok"
    assert result.samples["ready:py-opfs"] == [900.0, 1100.0]
    assert engine_paths("none") == [] and engine_paths("memory, py-idb") == ["memory", "py-idb"]


@pytest.mark.browser
def test_page_runs_renders_chart_and_sets_the_fastest_store(page, server):
    page.goto(server + "/bench.html")
    assert wait_for_boot(page) == "ready"
    report = run_py(page, """
from app.ui import bench_page
r = await bench_page.page.start([1], 1, 0, engine=["py-opfs"])
{"fastest": r["fastest"], "paths": [x["path"] for x in r["results"]],
 "engine": [[x["path"], x["error"], x["ready"]["n"]] for x in r["engine"]["results"]]}
""")
    assert report["paths"] == list(bench.PATHS)
    # Restore to engine ready, once, from one store (the embedded model in wllama).
    assert report["engine"] == [["py-opfs", None, 1]]
    engine_rows = page.get_by_role("table", name="Restore to engine ready").get_by_role("row")
    assert engine_rows.count() == 2
    assert page.get_by_role("img", name="Throughput chart, 1 MiB").locator("rect").count() >= 2 * 7
    assert page.locator("#bench-table").get_by_role("row").count() == 1 + 7
    assert page.get_by_role("link", name="Export JSON").get_attribute("href").startswith("blob:")
    page.get_by_role("button", name="Use the fastest store").click()
    page.get_by_text("New models will be saved in").wait_for()
    assert run_py(page, "from app.storage.registry import default_kind\nawait default_kind()") \
        == report["fastest"]


@pytest.mark.browser
def test_cli_writes_json_with_every_path_and_a_chart(site_dir, tmp_path):
    out = tmp_path / "storage.json"
    result = subprocess.run(
        [sys.executable, "build.py", "bench", "storage", "--runs", "1", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "BENCH_STORAGE_SIZES": "1", "BENCH_STORAGE_ENGINE": "none"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "== bench storage ==" in result.stdout
    data = json.loads(out.read_text())
    assert {row[0] for row in data["rows"]} == set(bench.PATHS)
    for path in bench.PATHS:
        for direction in ("store", "restore"):
            assert len(data["samples"][f"{path}:{direction}:1MiB"]) == 1
    assert len(data["targets"]) == 6 and set(data["environment"]) >= {"browser", "date", "cpu_count"}
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
