"""Pure range bookkeeping and panel formatting (CPython, no browser)."""
import pytest

from app.storage import ranges
from app.ui.storage_panel import fmt_bytes, persist_text, usage_text


def test_merge_joins_overlapping_and_adjacent():
    assert ranges.merge([(10, 20), (0, 5), (5, 8), (15, 30), (40, 40)]) == [(0, 8), (10, 30)]
    assert ranges.add([(0, 10)], 10, 20) == [(0, 20)]


def test_missing_lists_the_gaps():
    assert ranges.missing([(0, 5), (7, 9)], 12) == [(5, 7), (9, 12)]
    assert ranges.missing([(0, 12)], 12) == []
    assert ranges.missing([], 3) == [(0, 3)]


def test_plan_covers_in_order_with_overlaps_from_a_resume():
    pieces = [(0, 10, "a"), (5, 10, "b"), (15, 5, "c"), (8, 2, "d")]
    assert ranges.plan(pieces, 20) == [("a", 0, 10), ("b", 5, 10), ("c", 0, 5)]
    # The piece reaching farthest wins; pieces past the end are clipped.
    assert ranges.plan([(0, 4, "x"), (0, 8, "y")], 6) == [("y", 0, 6)]


def test_plan_reports_the_first_gap():
    with pytest.raises(ranges.Gap) as err:
        ranges.plan([(0, 4, "a"), (6, 4, "b")], 10)
    assert (err.value.start, err.value.end) == (4, 6)
    assert "bytes 4-5" in str(err.value)


def test_panel_texts():
    assert fmt_bytes(512) == "512 bytes"
    assert fmt_bytes(24 << 20) == "24.0 MiB"
    assert fmt_bytes(None) == "unknown"
    assert "granted" in persist_text({"persisted": True})
    assert "denied" in persist_text({"persisted": False, "last_request": "denied"})
    assert "not requested" in persist_text({"persisted": False})
    assert usage_text({"usage": 1 << 30, "quota": 10 << 30}) == \
        "Storage used: 1.0 GiB of 10.0 GiB (10.0%)."
    assert "unknown" in usage_text({"usage": None, "quota": None})
