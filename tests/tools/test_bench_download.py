"""The download benchmark's report: medians in, the issue's targets out (no browser here)."""
from tools.bench import download


def test_report_turns_samples_into_the_issue_targets():
    samples = {name: [] for name in download.SAMPLES}
    samples.update({
        "loopback plain fetch ms": [1000, 1100, 900], "loopback ours manifest ms": [1050, 1000, 1100],
        "loopback ours whole-file hash ms": [3000], "sha256 alone ms": [1800],
        "native digest alone ms": [200],
        "link 100 Mbit/s plain fetch ms": [5400], "link 100 Mbit/s ours manifest ms": [5500],
        "link 100 Mbit/s ours whole-file hash ms": [5600],
        "link 1 Gbit/s plain fetch ms": [2200], "link 1 Gbit/s ours manifest ms": [2250],
        "link 1 Gbit/s ours whole-file hash ms": [2300],
        "corrupt chunk bytes sent again MiB": [5, 5, 5],
        "capped one stream ms": [15000],
        "capped ours 6 parallel ms": [2800], "rss idle MiB": [400],
        "rss ours 256MiB above idle MiB": [90], "rss ours 1GiB above idle MiB": [100],
        "rss guide 256MiB above idle MiB": [300], "rss guide 1GiB above idle MiB": [1100],
        "resume bytes sent again MiB": [10, 20, 12]})
    result = download.report(samples, "Chromium test")
    targets = {t.name.split(",")[0]: t for t in result.targets}
    assert round(targets["loopback throughput with a chunk manifest"].value, 2) == round(1000 / 1050, 2)
    links = [t for t in result.targets if t.name.startswith("link capped")]
    assert len(links) == 4 and round(links[0].value, 3) == round(5400 / 5500, 3)
    assert all(t.met for t in result.targets), [t for t in result.targets if not t.met]
    assert result.environment["browser"] == "Chromium test"


def test_a_link_slower_than_its_target_is_reported_unmet():
    samples = {name: [1000] for name in download.SAMPLES}
    samples["link 1 Gbit/s ours whole-file hash ms"] = [1100]     # 0.91x
    samples["corrupt chunk bytes sent again MiB"] = [10]
    result = download.report(samples, "Chromium test")
    unmet = {t.name for t in result.targets if not t.met}
    assert any("1 Gbit/s" in n and "whole-file" in n for n in unmet)
    assert "bytes sent again after one corrupted chunk" in unmet


def test_renderer_rss_comes_from_proc():
    assert isinstance(download.renderer_pids(), list)
    assert download.rss_bytes([__import__("os").getpid()]) > 0
