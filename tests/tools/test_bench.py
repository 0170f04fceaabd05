"""Benchmark plumbing: every suite's JSON has environment, raw samples and targets."""
import json
import subprocess
import sys

import pytest

from tools.bench import report
from tools.vendor import ROOT


def test_report_table_and_json_shape(tmp_path):
    result = report.Result(
        suite="demo", columns=["what", "ms"], rows=[["a", 1.5]], samples={"a": [1.0, 2.0]},
        targets=[report.Target("speed", 1.5, "ms", "<= 2", True)],
        environment=report.environment("Chromium 1"))
    text = report.format_table(result)
    assert "== bench demo ==" in text and "MET" in text
    report.write_json(result, tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert set(data["environment"]) >= {"browser", "cpu_count", "date"}
    assert data["targets"][0] == {"name": "speed", "value": 1.5, "unit": "ms",
                                  "target": "<= 2", "met": True}


def test_free_page_reporting_is_read_from_the_balloon_features(tmp_path):
    def device(name, kind, features):
        (tmp_path / name).mkdir()
        (tmp_path / name / "device").write_text(kind + "\n")
        (tmp_path / name / "features").write_text(features + "\n")
    device("virtio0", "0x0002", "1" * 64)                     # a block device: not the balloon
    assert report.free_page_reporting(tmp_path) is False
    device("virtio1", "0x0005", "0110000" + "0" * 57)         # a balloon without reporting
    assert report.free_page_reporting(tmp_path) is False
    (tmp_path / "virtio1" / "features").write_text("0110010" + "0" * 57)
    assert report.free_page_reporting(tmp_path) is True


def test_summary_statistics():
    assert report.summary([3, 1, 2]) == {"median": 2, "min": 1, "max": 3, "n": 3}
    assert report.summary([])["median"] is None


@pytest.mark.browser
def test_startup_suite_runs_headless_from_the_cli(site_dir, tmp_path):
    out = tmp_path / "s.json"
    result = subprocess.run([sys.executable, "build.py", "bench", "startup", "--runs", "1",
                             "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "offline relaunch: app ready" in result.stdout
    data = json.loads(out.read_text())
    assert {k: len(v) for k, v in data["samples"].items()} == {
        "cold_app": 1, "cold_bare_pyodide": 1, "offline_relaunch": 1}
    assert [t["name"] for t in data["targets"]] == [
        "app overhead over bare Pyodide boot", "offline cold start in a relaunched browser"]
    assert data["environment"]["browser"] != "unknown"


def test_rss_of_this_process_is_read_and_gone_processes_count_zero():
    import os
    from tools.procmem import rss_bytes
    assert rss_bytes([os.getpid()]) > 1 << 20
    assert rss_bytes([2 ** 22 + 12345]) == 0
