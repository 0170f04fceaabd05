"""The download benchmark's report: medians in, the issue's targets out (no browser here)."""
from tools.bench import download


def test_report_turns_samples_into_the_issue_targets():
    samples = {
        "loopback plain fetch ms": [1000, 1100, 900], "loopback ours ms": [1050, 1000, 1100],
        "loopback ours download phase ms": [800], "sha256 alone ms": [900],
        "capped one stream ms": [15000],
        "capped ours 6 parallel ms": [2800], "rss idle MiB": [400],
        "rss ours 256MiB above idle MiB": [90], "rss ours 1GiB above idle MiB": [100],
        "rss guide 256MiB above idle MiB": [300], "rss guide 1GiB above idle MiB": [1100],
        "resume bytes sent again MiB": [10, 20, 12]}
    result = download.report(samples, "Chromium test")
    targets = {t.name.split(",")[0]: t for t in result.targets}
    assert round(targets["loopback throughput"].value, 2) == round(1000 / 1050, 2)
    assert all(t.met for t in result.targets)
    assert result.environment["browser"] == "Chromium test"


def test_renderer_rss_comes_from_proc():
    assert isinstance(download.renderer_pids(), list)
    assert download.rss_bytes([__import__("os").getpid()]) > 0
