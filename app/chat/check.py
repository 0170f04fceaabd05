"""Does a model's reply contradict the facts code computed? A 135M model will happily say
"you have 3 tasks" about a list of 8, or name a to-do that does not exist. `problem(reply,
facts)` returns what is wrong (for the log and the tests) or None; the assistant then shows
the code's answer instead.

Checked: counts stated next to a to-do word ("3 open tasks", "two overdue"), quoted titles
(“...” or "..."), and calendar dates ("18 Nov", "November 18", "2026-11-18"), which must be
today or a due date on the list.
"""
import datetime
import functools
import re

from app.chat.dates import MONTHS
from app.todos import match

_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve "
                 "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()
_QUALIFIERS = {
    "open": ("open", "remaining", "left", "pending", "outstanding", "unfinished", "incomplete"),
    "done": ("done", "completed", "finished", "complete", "checked"),
    "overdue": ("overdue", "late", "past-due"),
    "due_today": ("due today",),
}
_MONTH = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"


@functools.cache
def _patterns():
    number = r"(?P<n>\d+|no|" + "|".join(_NUMBER_WORDS) + r")"
    qualifier = r"(?P<q>" + "|".join(w for ws in _QUALIFIERS.values() for w in ws) + r")?"
    count = re.compile(rf"\b{number}\s+(?:more\s+)?{qualifier}\s*(?:to-?\s?dos?|tasks?|items?|"
                       r"things?|chores?|errands?)\b(?:\s+(?:are\s+|is\s+)?(?P<after>"
                       + "|".join(w for ws in _QUALIFIERS.values() for w in ws) + r"))?", re.I)
    bare = re.compile(rf"\b{number}\s+(?P<q>overdue|open|done|completed|remaining|left)\b", re.I)
    dates = re.compile(rf"\b(?:(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}|"
                       rf"(?P<mon2>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+"
                       r"(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\b|(?P<iso>\d{4}-\d{2}-\d{2}))", re.I)
    quoted = re.compile(r"[“\"]([^”\"]{2,120})[”\"]")
    return count, bare, dates, quoted


def _number(text):
    text = text.lower()
    if text.isdigit():
        return int(text)
    return 0 if text == "no" else _NUMBER_WORDS.index(text)


def _allowed(qualifier, facts):
    counts = {"open": len(facts.open), "done": len(facts.done), "overdue": len(facts.overdue),
              "due_today": len(facts.due_today)}
    if not qualifier:
        return {len(facts.open), facts.total}
    q = qualifier.lower()
    for name, words in _QUALIFIERS.items():
        if q in words:
            return {counts[name]}
    return None


def problem(reply, facts):
    """What in `reply` contradicts `facts`, or None."""
    count, bare, dates, quoted = _patterns()
    for m in count.finditer(reply):
        allowed = _allowed(m["q"] or m["after"], facts)
        if allowed is not None and _number(m["n"]) not in allowed:
            return f"count {m.group(0)!r} (the list says {sorted(allowed)})"
    for m in bare.finditer(reply):
        allowed = _allowed(m["q"], facts)
        if allowed is not None and _number(m["n"]) not in allowed:
            return f"count {m.group(0)!r} (the list says {sorted(allowed)})"
    known = {facts.today} | {t.due for t in (*facts.open, *facts.done) if t.due}
    known_days = {(d.month, d.day) for d in known}      # "15 Dec" names no year
    for m in dates.finditer(reply):
        day = _date(m)
        if day is not None and (day not in known if m["iso"] else (day.month, day.day) not in known_days):
            return f"date {m.group(0)!r} is no due date on the list"
    titles = [*facts.open, *facts.done]
    for m in quoted.finditer(reply):
        found = match.find(titles, m[1])
        if found.found is None and not found.ambiguous:
            return f"title {m[1]!r} is not on the list"
    return None


def _date(m):
    try:
        if m["iso"]:
            return datetime.date.fromisoformat(m["iso"])
        mon = m["mon"] or m["mon2"]
        month = next(i for i, name in enumerate(MONTHS, 1) if name.startswith(mon[:3].lower()))
        day = int(m["d1"] or m["d2"])
        return datetime.date(2000, month, day)       # a leap year: 29 Feb is a date
    except (ValueError, StopIteration):
        return None
