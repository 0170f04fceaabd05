"""What to do first (computed, with its reason), and finding a to-do by what it is about."""
import datetime

from app.todos.model import make_todo
from app.todos.priority import ranked
from app.todos.related import about

TODAY = datetime.date(2026, 11, 20)


def todos(*entries):
    out, last = [], None
    for title, due, *done in entries:
        todo = make_todo(title, due, after=last)
        last = todo.created
        out.append(todo.with_changes(done=bool(done)))
    return out


def test_overdue_then_today_then_soonest_then_oldest():
    items = todos(("Buy milk", None), ("Renew passport", "2026-12-15"), ("Call mom", TODAY),
                  ("Pay rent", "2026-11-18"), ("Email Bob", "2026-11-19"), ("Fix bike", None),
                  ("Old done", "2026-11-01", True))
    order = ranked(items, TODAY)
    assert [r.todo.title for r in order] == ["Pay rent", "Email Bob", "Call mom", "Renew passport",
                                             "Buy milk", "Fix bike"]
    assert order[0].reason == ("it is overdue (it was due Wed 18 Nov, 2 days ago), the longest "
                               "overdue of your 2 overdue to-dos")
    assert order[2].reason == "it is due today"
    assert order[4].reason == "it has no due date and is the oldest of the undated to-dos"


def test_reasons_say_what_comes_before():
    assert ranked(todos(("Call mom", TODAY)), TODAY)[0].reason == "it is due today, and nothing is overdue"
    assert ranked(todos(("Dentist", "2026-11-24")), TODAY)[0].reason == (
        "nothing is overdue or due today, and it has the soonest due date (Tue 24 Nov, in 4 days)")
    assert "oldest on your list" in ranked(todos(("a", None), ("b", None)), TODAY)[0].reason
    assert ranked(todos(("done", None, True)), TODAY) == []


def test_find_by_meaning():
    items = todos(("Book dentist appointment", None), ("Pay rent", None), ("Call mom", None),
                  ("Renew passport", None), ("Call the plumber", None), ("Buy milk", None))
    titles = lambda topic: [t.title for t in about(items, topic)]
    assert titles("my teeth") == ["Book dentist appointment"]
    assert titles("money") == ["Pay rent"]
    assert titles("my mother") == ["Call mom"]
    assert titles("travel") == ["Renew passport"]
    assert titles("the pipes") == ["Call the plumber"]
    assert titles("groceries") == ["Buy milk"]
    assert titles("the rent") == ["Pay rent"]                  # a title word counts most
    assert titles("astronomy") == []
