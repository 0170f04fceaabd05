"""Facts about the list, computed by code. A small model cannot count items in JSON;
it can repeat a number it is given, so the numbers come from here."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
    today: object                 # datetime.date
    open: tuple                   # Todo, in list order
    done: tuple
    overdue: tuple                # open and past due, most overdue first
    due_today: tuple
    upcoming: tuple = ()          # open and due after today, soonest first

    @property
    def total(self):
        return len(self.open) + len(self.done)

    @property
    def open_titles(self):
        return [t.title for t in self.open]


def compute_facts(todos, today):
    todos = list(todos)
    return Facts(
        today=today,
        open=tuple(t for t in todos if not t.done),
        done=tuple(t for t in todos if t.done),
        overdue=tuple(sorted((t for t in todos if t.is_overdue(today)), key=lambda t: t.due)),
        due_today=tuple(t for t in todos if t.is_due_today(today)),
        upcoming=tuple(sorted((t for t in todos if not t.done and t.due and t.due > today),
                              key=lambda t: t.due)),
    )


def plural(n, word, words=None):
    return f"{n} {word if n == 1 else (words or word + 's')}"


def fmt_date(day, today):
    """"today", "Wed 18 Nov", or "Wed 18 Nov 2027" outside the current year."""
    if day == today:
        return "today"
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"
