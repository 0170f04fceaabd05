"""The to-do record format: versioned, strict on the way in, round-trips."""
import datetime

import pytest

from app.todos.model import (FORMAT_VERSION, MAX_TITLE, BadRecord, from_record, make_todo,
                             to_record)


def test_record_round_trip_keeps_every_field():
    todo = make_todo("  Pay   rent ", "2026-12-01")
    assert todo.title == "Pay rent" and todo.due == datetime.date(2026, 12, 1) and not todo.done
    record = to_record(todo)
    assert record["v"] == FORMAT_VERSION
    assert from_record(record) == todo


def test_titles_are_required_and_refused_whole_over_the_limit():
    with pytest.raises(ValueError, match="needs a title"):
        make_todo("   ")
    with pytest.raises(ValueError, match="something visible"):
        make_todo("\u200b\u200d\ufeff")           # zero-width only: looks empty
    assert make_todo("x" * MAX_TITLE).title == "x" * MAX_TITLE
    with pytest.raises(ValueError, match=f"at most {MAX_TITLE} characters; this one has 5,000"):
        make_todo("x" * 5000)                         # refused, never cut


ODD = ["\u05e7\u05e0\u05d4 \u05d7\u05dc\u05d1 \u202eevil\u202c",   # RTL + override
       "zero\u200bwidth\u200djoiner", "👩‍👩‍👧 family 🇫🇷", "e\u0301\u0301 Zalgo\u0336",
       "<img src=x onerror=alert(1)>", "<script>alert(1)</script>"]


@pytest.mark.parametrize("title", ODD)
def test_odd_titles_round_trip_unchanged(title):
    todo = make_todo(title)
    assert todo.title == title
    assert from_record(to_record(todo)) == todo


def test_a_stored_title_over_the_limit_still_loads_intact():
    record = to_record(make_todo("x"))
    record["title"] = "y" * (MAX_TITLE * 3)
    assert from_record(record).title == record["title"]


@pytest.mark.parametrize("record, reason", [
    ("just a string", "not a to-do record"),
    (None, "not a to-do record"),
    ({"v": 2, "id": "a", "title": "x", "done": False, "due": None, "created": "t"}, "version 2"),
    ({"id": "a", "title": "x", "done": False, "due": None, "created": "t"}, "version None"),
    ({"v": 1, "id": "a", "title": 5, "done": False, "due": None, "created": "t"}, "'title'"),
    ({"v": 1, "id": "a", "title": "x", "done": "yes", "due": None, "created": "t"}, "'done'"),
    ({"v": 1, "id": "a", "title": "x", "done": False, "due": "soon", "created": "t"}, "soon"),
    ({"v": 1, "id": "a", "title": " ", "done": False, "due": None, "created": "t"}, "title"),
    ({"v": 1, "id": "", "title": "x", "done": False, "due": None,
      "created": "2026-11-20T10:00:00+00:00"}, "empty id"),
    ({"v": 1, "id": "a", "title": "x", "done": False, "due": None, "created": "yesterday"},
     "yesterday"),
])
def test_bad_records_say_why(record, reason):
    with pytest.raises(BadRecord, match=reason):
        from_record(record)


def test_overdue_and_due_today_only_for_open_items():
    today = datetime.date(2026, 11, 20)
    late = make_todo("late", "2026-11-19")
    assert late.is_overdue(today) and not late.is_due_today(today)
    assert not late.with_changes(done=True).is_overdue(today)
    assert make_todo("now", today).is_due_today(today)
    assert not make_todo("undated").is_overdue(today)
