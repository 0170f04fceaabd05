"""The list over a store: changes are written before they show; bad records are skipped."""
import asyncio

import pytest

from app.todos.model import to_record, make_todo
from app.todos.todolist import Gone, MemoryStore, TodoList
from tests.aio import run


def test_add_update_complete_delete_persist():
    store = MemoryStore()
    todos = TodoList(store)
    changes = []
    todos.subscribe(lambda: changes.append(len(todos)))

    async def go():
        milk = await todos.add("Buy milk")
        rent = await todos.add("Pay rent", "2026-12-01")
        await todos.set_done(milk.id)
        await todos.update(rent.id, title="Pay the rent", due=None)
        await todos.delete(milk.id)
        again = TodoList(store)
        report = await again.load()
        return again, report
    again, report = run(go())
    assert report.loaded == 1 and report.notice is None
    [rent] = again.items
    assert rent.title == "Pay the rent" and rent.due is None
    assert changes == [1, 2, 2, 2, 1]
    run(again.add_many(["a", "b"]))
    run(again.delete_many([t.id for t in again.items]))
    assert again.items == [] and store.records == {}


def test_add_many_writes_once_and_keeps_order():
    store = MemoryStore()
    todos = TodoList(store)
    run(todos.add_many([f"item {i}" for i in range(50)] + [("dated", "2026-01-02")]))
    assert len(store.records) == 51
    again = TodoList(store)
    run(again.load())
    assert [t.title for t in again.items][:3] == ["item 0", "item 1", "item 2"]


def test_corrupt_and_unknown_records_are_skipped_with_a_notice_and_kept():
    good = make_todo("Buy milk")
    store = MemoryStore({
        good.id: to_record(good),
        "junk": "not a record",
        "future": {"v": 9, "id": "future", "title": "from a newer app"},
        "wrong-key": to_record(make_todo("moved")),
    })
    todos = TodoList(store)
    report = run(todos.load())
    assert [t.title for t in todos.items] == ["Buy milk"]
    assert len(report.skipped) == 3
    assert "3 saved to-dos could not be read" in report.notice
    assert len(store.records) == 4            # nothing was deleted or rewritten
    run(todos.add("Call mom"))
    assert {"junk", "future", "wrong-key"} <= set(store.records)


class FailingStore(MemoryStore):
    async def put_many(self, records):
        raise OSError("disk full")


def test_a_failed_write_changes_nothing_in_memory():
    todos = TodoList(FailingStore())
    with pytest.raises(OSError):
        run(todos.add("Buy milk"))
    assert todos.items == []


def test_bad_input_is_refused_with_a_message():
    todos = TodoList(MemoryStore())
    with pytest.raises(ValueError, match="needs a title"):
        run(todos.add("  "))
    with pytest.raises(ValueError):
        run(todos.add("x", "not a date"))


class SlowStore(MemoryStore):
    """Each write takes as long as the next delay: later writes may finish first."""

    def __init__(self, delays):
        super().__init__()
        self.delays, self.writes = list(delays), []

    async def put_many(self, records):
        await asyncio.sleep(self.delays.pop(0) if self.delays else 0)
        self.writes.append({k: (v["title"], v["done"]) for k, v in records.items()})
        await super().put_many(records)


def test_changes_made_while_one_is_saving_apply_in_order_and_lose_nothing():
    store = SlowStore([0, 0.05, 0, 0, 0])
    todos = TodoList(store)

    async def go():
        milk = await todos.add("Buy milk")
        # A rename (slow to save) and a tick made while it is saving, then two quick ticks.
        await asyncio.gather(todos.update(milk.id, title="Buy oat milk"),
                             todos.set_done(milk.id, True),
                             todos.set_done(milk.id, False), todos.set_done(milk.id, True))
        return milk.id
    milk_id = run(go())
    assert todos.get(milk_id).title == "Buy oat milk" and todos.get(milk_id).done
    assert store.records[milk_id]["title"] == "Buy oat milk" and store.records[milk_id]["done"]
    assert [w[milk_id] for w in store.writes[1:]] == [
        ("Buy oat milk", False), ("Buy oat milk", True), ("Buy oat milk", False),
        ("Buy oat milk", True)]


def test_adds_made_in_quick_succession_keep_their_order():
    todos = TodoList(SlowStore([0.03, 0, 0.02, 0, 0]))

    async def go():
        await asyncio.gather(*(todos.add(f"item {i}") for i in range(5)))
    run(go())
    assert [t.title for t in todos.items] == [f"item {i}" for i in range(5)]


def test_deleting_twice_deletes_once_and_changing_a_deleted_item_says_so():
    todos = TodoList(MemoryStore())

    async def go():
        milk = await todos.add("Buy milk")
        first, second = await asyncio.gather(todos.delete(milk.id), todos.delete(milk.id))
        with pytest.raises(Gone, match="was deleted"):
            await todos.set_done(milk.id)
        return first, second
    first, second = run(go())
    assert first.title == "Buy milk" and second is None and len(todos) == 0
