"""The to-do list benchmark: registered, and a tiny headless run from the CLI reports every
action at every size with its target."""
import json
import os
import subprocess
import sys

import pytest

from tools.bench import suites, todos
from tools.vendor import ROOT


def test_todos_suite_is_registered_with_the_issue_sizes_and_target():
    assert "todos" in suites()
    assert todos.SIZES == (10, 2000) and todos.TARGET_MS == 50
    assert todos.ACTIONS == ("tick", "add", "delete", "filter")


@pytest.mark.browser
def test_todos_suite_runs_headless_from_the_cli(site_dir, tmp_path):
    out = tmp_path / "t.json"
    env = {**os.environ, "BENCH_TODOS_SIZES": "4,12"}
    result = subprocess.run([sys.executable, "build.py", "bench", "todos", "--runs", "1",
                             "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(out.read_text())
    assert {k: len(v) for k, v in data["samples"].items()} == {
        f"{a}@{n}": 2 if a == "filter" else 1 for a in todos.ACTIONS for n in (4, 12)}
    # Each sample: the paint of the frame that shows the change, and the next frame after it.
    assert all(0 < ms["paint"] <= ms["frame"] for v in data["samples"].values() for ms in v)
    assert [t["name"] for t in data["targets"]] == [
        f"{a}, click to paint at 12 items" for a in todos.ACTIONS]
