"""The range planner: every missing byte fetched exactly once, resumes skip what is done."""
import pytest

from app.download import plan
from app.download.plan import ContentRange, RetryPolicy

MiB = plan.MiB


def test_defaults_are_5_mib_and_6_parallel():
    assert plan.DEFAULT_CHUNK_SIZE == 5 * MiB
    assert plan.DEFAULT_PARALLEL == 6


def test_fresh_plan_covers_the_file_in_chunk_sized_ranges():
    size = 23 * MiB + 7
    ranges = plan.chunks(size, chunk_size=5 * MiB)
    assert ranges[0] == (0, 5 * MiB)
    assert ranges[-1] == (20 * MiB, size)
    assert all(end - start <= 5 * MiB for start, end in ranges)
    assert plan.merge(ranges) == [(0, size)]
    assert sum(e - s for s, e in ranges) == size


def test_resume_plans_only_the_missing_bytes_on_the_same_grid():
    size, c = 30, 10
    done = [(0, 10), (20, 25)]
    assert plan.chunks(size, done, c) == [(10, 20), (25, 30)]
    # a half-done chunk (e.g. from a no-Range stream) is completed, not refetched whole
    assert plan.chunks(size, [(0, 13)], c) == [(13, 20), (20, 30)]


def test_complete_and_empty_files_need_no_requests():
    assert plan.chunks(100, [(0, 100)], 10) == []
    assert plan.chunks(0, (), 10) == []


def test_bad_chunk_size_is_refused():
    with pytest.raises(ValueError):
        plan.chunks(10, (), 0)


def test_merge_and_missing_handle_overlap_disorder_and_out_of_bounds():
    assert plan.merge([(5, 8), (0, 3), (3, 4), (7, 10), (12, 12)]) == [(0, 4), (5, 10)]
    assert plan.missing(10, [(2, 4), (3, 6), (8, 20)]) == [(0, 2), (6, 8)]
    assert plan.covered([(0, 4), (2, 6)]) == 6


def test_range_header_is_inclusive():
    assert plan.range_header(0, 5 * MiB) == f"bytes=0-{5 * MiB - 1}"


@pytest.mark.parametrize("value, expected", [
    ("bytes 0-99/1000", ContentRange(0, 100, 1000)),
    ("bytes 100-199/*", ContentRange(100, 200, None)),
    ("bytes */1000", ContentRange(None, None, 1000)),
    ("Bytes  5-5 / 6", ContentRange(5, 6, 6)),
    ("bytes 9-1/10", None),
    ("items 0-1/2", None),
    ("", None),
    (None, None),
])
def test_content_range_parsing(value, expected):
    assert plan.parse_content_range(value) == expected


def test_content_length_parsing():
    assert plan.parse_length("123") == 123
    assert plan.parse_length(None) is None
    assert plan.parse_length("abc") is None
    assert plan.parse_length("-1") is None


def test_backoff_is_bounded_and_gives_up():
    policy = RetryPolicy(retries=5, base_delay=0.5, max_delay=3)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1, 2, 3, 3, None]


def test_retryable_statuses():
    assert all(plan.is_retryable_status(s) for s in (500, 502, 503, 504, 408, 429))
    assert not any(plan.is_retryable_status(s) for s in (200, 206, 400, 403, 404, 416))


def test_version_checks():
    assert plan.validator('"a"', "Mon") == '"a"'
    assert plan.validator(None, "Mon") == "Mon"
    assert plan.same_version('"a"', '"a"', None)
    assert plan.same_version('"a"', 'W/"a"', None)
    assert not plan.same_version('"a"', '"b"', None)
    assert plan.same_version("Mon", None, "Mon")
    assert not plan.same_version("Mon", None, "Tue")
    assert plan.same_version(None, '"b"', None)        # nothing to compare with
    assert plan.same_version('"a"', None, None)        # the server stopped saying: not a change


def drain(runs):
    out = []
    while (run := runs.next()) is not None:
        out.append(run)
    return out


def test_runs_hand_out_every_chunk_once_in_order_long_first_single_at_the_end():
    chunks = plan.chunks(256 * MiB, chunk_size=5 * MiB)
    runs = drain(plan.Runs(chunks, parallel=6, max_bytes=64 * MiB))
    assert [c for run in runs for c in run] == chunks
    assert all(run[i][1] == run[i + 1][0] for run in runs for i in range(len(run) - 1))
    assert len(runs[0]) > 1 and len(runs[-1]) == 1
    assert len(runs) <= len(chunks) // 2
    assert all(run[-1][1] - run[0][0] <= 64 * MiB for run in runs if len(run) > 1)


def test_runs_never_join_across_a_gap_and_zero_bytes_means_single_chunks():
    chunks = plan.chunks(40 * MiB, done=[(10 * MiB, 20 * MiB)], chunk_size=5 * MiB)
    runs = drain(plan.Runs(chunks, parallel=1, max_bytes=64 * MiB))
    assert runs == [chunks[:2], chunks[2:]]          # never across the done gap at 10-20 MiB
    assert drain(plan.Runs(chunks, parallel=6, max_bytes=0)) == [[c] for c in chunks]
