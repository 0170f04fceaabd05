"""The question set's `tests` part through the real chat logic (a scripted engine stands in
for the model, so "answered by the model" means routed to it): every phrasing code must
understand gets the right reply and changes the list exactly as expected. The `heldout` part
is scored only by `python3 build.py bench assistant`."""
import datetime

import pytest

from app.chat.assistant import Assistant
from app.todos.todolist import MemoryStore, TodoList
from tests.aio import run
from tests.chat.fakes import FakeEngine
from tools.bench.assistant import change_error, grade, is_correct, load_questions, snapshot

SPEC = load_questions()
TODAY = datetime.date.fromisoformat(SPEC["today"])


def test_the_set_has_80_phrasings_in_two_parts():
    assert len(SPEC["tests"]) + len(SPEC["heldout"]) >= 80
    assert len(SPEC["heldout"]) >= 30
    kinds = {q["kind"] for q in SPEC["tests"] + SPEC["heldout"]}
    assert kinds == {"facts", "command", "model"}
    seen = [q["q"].lower() for q in SPEC["tests"] + SPEC["heldout"]]
    assert len(seen) == len(set(seen)), "a phrasing is in the set twice"


def test_grader():
    q = {"expect": [r"\b(6|six)\b"], "reject": [r"\bnot\b"]}
    assert is_correct(q, "You have 6 open to-dos.") and is_correct(q, "Six!")
    assert not is_correct(q, "You have 16.") and not is_correct(q, "not 6")
    before = [["Buy milk", False, None], ["Pay rent", False, "2026-11-18"]]
    assert change_error({"change": {"done": "Pay rent"}}, before,
                        [before[0], ["Pay rent", True, "2026-11-18"]]) is None
    twice = before + [["get bread", False, None], ["get bread", False, None]]
    assert change_error({"change": {"add": "get bread", "due": None}}, before, twice)
    assert change_error({}, before, before[:1])                     # a change nobody asked for


async def ask(question):
    todos = TodoList(MemoryStore())
    added = await todos.add_many([(t["title"], t["due"]) for t in SPEC["todos"]])
    for todo, t in zip(added, SPEC["todos"]):
        if t["done"]:
            await todos.set_done(todo.id)
    assistant = Assistant(todos, engine=FakeEngine("A model reply."), today=lambda: TODAY)
    for earlier in question.get("before", ()):
        reply = await assistant.respond(earlier)
        [d async for d in reply.stream()]
    before = snapshot(todos.items)
    reply = await assistant.respond(question["q"])
    text = "".join([d async for d in reply.stream()])
    return reply.kind, text, before, snapshot(todos.items)


@pytest.mark.parametrize("question", SPEC["tests"], ids=[q["q"] for q in SPEC["tests"]])
def test_phrasing(question):
    kind, text, before, after = run(ask(question))
    ok, why = grade(question, kind, text, before, after)
    assert ok, f"{why}: {text!r}"
