"""A model's reply is checked against the computed facts: counts, titles, dates."""
import datetime

import pytest

from app.chat.check import problem
from app.todos.facts import compute_facts
from app.todos.model import make_todo

TODAY = datetime.date(2026, 11, 20)
FACTS = compute_facts([make_todo("Buy milk"), make_todo("Pay rent", "2026-11-18"),
                       make_todo("Call mom", TODAY), make_todo("Renew passport", "2026-12-15"),
                       make_todo("Walk dog").with_changes(done=True)], TODAY)   # 4 open, 1 done


@pytest.mark.parametrize("reply", [
    "You have 4 open to-dos; start with “Pay rent”.",
    "You have five tasks, one of them done.",           # 5 in total: a count with no qualifier
    "One task is overdue: Pay rent, due 18 Nov.",
    "Your passport renewal is due on December 15.",
    "Sure! Take a short walk first, then tackle the rent.",
    "Today, 20 November, call your mom.",
])
def test_replies_that_agree_with_the_list_pass(reply):
    assert problem(reply, FACTS) is None


@pytest.mark.parametrize("reply, what", [
    ("You have 3 open tasks.", "count"),
    ("You have completed two to-dos.", "count"),
    ("2 overdue items need attention.", "count"),
    ("There are 12 things on your list.", "count"),
    ("Your rent was due on 12 November.", "date"),
    ("Don't forget “Book flights”.", "title"),
])
def test_replies_that_contradict_it_are_caught(reply, what):
    assert problem(reply, FACTS).startswith(what)
