"""What to do first, computed: overdue (most overdue first), then due today, then the soonest
due date, then the oldest without one. Each place comes with the reason, so "why that one?"
is answered from the same computation that made the suggestion.
"""
from dataclasses import dataclass

from app.todos.facts import fmt_date, plural


@dataclass(frozen=True)
class Ranked:
    todo: object
    group: str          # "overdue" | "today" | "upcoming" | "undated"
    reason: str         # why it is where it is, as a clause ("it is overdue: ...")


def _key(todo, today):
    if todo.due is None:
        return (3, "", todo.created)
    if todo.due < today:
        return (0, todo.due.isoformat(), todo.created)
    if todo.due == today:
        return (1, "", todo.created)
    return (2, todo.due.isoformat(), todo.created)


def ranked(todos, today):
    """The open to-dos in the order to do them, each with its reason."""
    open_todos = sorted((t for t in todos if not t.done), key=lambda t: _key(t, today))
    overdue = [t for t in open_todos if t.due is not None and t.due < today]
    undated = [t for t in open_todos if t.due is None]
    out = []
    for i, todo in enumerate(open_todos):
        group = ("overdue", "today", "upcoming", "undated")[_key(todo, today)[0]]
        out.append(Ranked(todo, group, _reason(todo, group, today, overdue, undated, i)))
    return out


def _reason(todo, group, today, overdue, undated, place):
    """Why `todo` is at `place`: what comes before it explains the rest."""
    when = fmt_date(todo.due, today) if todo.due else ""
    if group == "overdue":
        late = f"it was due {when}, {plural((today - todo.due).days, 'day')} ago"
        if len(overdue) == 1:
            return f"it is overdue ({late}), the only overdue to-do"
        if todo is overdue[0]:
            return f"it is overdue ({late}), the longest overdue of your {len(overdue)} overdue to-dos"
        return f"it is overdue too ({late})"
    if group == "today":
        return "it is due today" + ("" if overdue else ", and nothing is overdue")
    if group == "upcoming":
        soon = f"{when}, in {plural((todo.due - today).days, 'day')}"
        if place == 0:
            return f"nothing is overdue or due today, and it has the soonest due date ({soon})"
        return f"it is due {soon}"
    if place == 0:
        return "none of your to-dos has a due date, and it is the oldest on your list"
    if todo is undated[0]:
        return "it has no due date and is the oldest of the undated to-dos"
    return "it has no due date"


RULE = ("I put overdue to-dos first (the longest overdue first), then what is due today, then "
        "the soonest due date, then the oldest to-dos without a date.")
