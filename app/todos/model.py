"""A to-do and its stored format.

Records are plain dicts (what IndexedDB's structured clone keeps) that carry a format version
`v`. Reading is strict: anything that is not a valid record of a known version raises
`BadRecord` with a reason, so the list can skip it with a notice instead of crashing.
"""
import datetime
import os
import unicodedata
from dataclasses import dataclass, field, replace

FORMAT_VERSION = 1
MAX_TITLE = 500          # longer titles are refused on the way in (with a message, never cut)


class BadRecord(ValueError):
    """A stored record that cannot be read; str() says why."""


def now_iso(after=None):
    """UTC timestamp, strictly later than the ISO timestamp `after` if given: items keep the
    order they were added in even when the clock is coarse (browsers round to 1 ms)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    if after:
        floor = datetime.datetime.fromisoformat(after) + datetime.timedelta(microseconds=1)
        now = max(now, floor)
    return now.isoformat(timespec="microseconds")


def new_id():
    return os.urandom(8).hex()


def clean_title(title, limit=MAX_TITLE):
    """Collapse whitespace -> the title. ValueError, saying why, for an empty title, one with
    nothing visible in it (only zero-width or control characters) or one over `limit`
    characters: refused whole, never cut. Stored records are read with limit=None, so a long
    title written by an earlier version still loads intact."""
    title = " ".join(str(title).split())
    if not title:
        raise ValueError("A to-do needs a title.")
    if limit is None:
        return title
    if all(unicodedata.category(c)[0] in "CZ" for c in title):
        raise ValueError("A to-do needs a title with something visible in it.")
    if len(title) > limit:
        raise ValueError(f"A title can be at most {limit:,} characters; this one has "
                         f"{len(title):,}. Nothing was saved: shorten it and try again.")
    return title


def parse_due(value):
    """None/'' -> None; 'YYYY-MM-DD' or a date -> date; anything else raises ValueError."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Todo:
    title: str
    done: bool = False
    due: datetime.date | None = None
    created: str = field(default_factory=now_iso)
    id: str = field(default_factory=new_id)

    def with_changes(self, **changes):
        return replace(self, **changes)

    def is_overdue(self, today):
        return not self.done and self.due is not None and self.due < today

    def is_due_today(self, today):
        return not self.done and self.due == today


def make_todo(title, due=None, after=None):
    return Todo(title=clean_title(title), due=parse_due(due), created=now_iso(after))


def to_record(todo):
    return {"v": FORMAT_VERSION, "id": todo.id, "title": todo.title, "done": todo.done,
            "due": todo.due.isoformat() if todo.due else None, "created": todo.created}


def from_record(record):
    """A stored dict -> Todo, or BadRecord saying what is wrong with it."""
    if not isinstance(record, dict):
        raise BadRecord(f"not a to-do record ({type(record).__name__})")
    version = record.get("v")
    if version != FORMAT_VERSION:
        raise BadRecord(f"unknown format version {version!r}")
    try:
        todo = Todo(title=clean_title(_typed(record, "title", str), limit=None),
                    done=_typed(record, "done", bool),
                    due=parse_due(_typed(record, "due", (str, type(None)))),
                    created=_timestamp(_typed(record, "created", str)),
                    id=_typed(record, "id", str))
    except (ValueError, TypeError) as exc:
        raise BadRecord(str(exc)) from None
    if not todo.id:
        raise BadRecord("empty id")
    return todo


def _timestamp(text):
    datetime.datetime.fromisoformat(text)      # ValueError if it is not one
    return text


def _typed(record, key, kind):
    value = record.get(key)
    if not isinstance(value, kind):
        raise TypeError(f"field {key!r} has the wrong type ({type(value).__name__})")
    return value
