"""The to-do list in memory, kept in step with a store.

Every change is written first and applied in memory only once the store has it, so what the
user sees is what survives a reload. Changes run one at a time, in the order they were asked
for (one lock): each starts from the state the previous one left, so a tick made while a
rename is being saved cannot write the old title back, and two quick ticks end as the last. Loading skips records it cannot read and says so; it
never rewrites or deletes records it did not understand (a newer app version may).

A store is anything with `async load() -> [(key, value)]`, `async put_many({key: record})`
and `async delete_many([key])`: `MemoryStore` here, `IdbTodoStore` (idb.py) in the browser.
"""
import asyncio
from dataclasses import dataclass, field

from app.todos.facts import compute_facts, plural
from app.todos.model import BadRecord, clean_title, from_record, make_todo, parse_due, to_record


class MemoryStore:
    """A store in a dict: unit tests, and the fallback when IndexedDB is unavailable."""

    def __init__(self, records=None):
        self.records = dict(records or {})

    async def load(self):
        return list(self.records.items())

    async def put_many(self, records):
        self.records.update(records)

    async def delete_many(self, keys):
        for key in keys:
            self.records.pop(key, None)


class Gone(KeyError):
    """The to-do a change was meant for has been deleted."""

    def __str__(self):
        return self.args[0]


@dataclass
class LoadReport:
    loaded: int = 0
    skipped: list = field(default_factory=list)      # [(key, reason)]

    @property
    def notice(self):
        if not self.skipped:
            return None
        return (f"{plural(len(self.skipped), 'saved to-do')} could not be read and "
                f"{'was' if len(self.skipped) == 1 else 'were'} skipped "
                f"({self.skipped[0][1]}). {'It is' if len(self.skipped) == 1 else 'They are'} "
                "left untouched in storage; the rest of your list is here.")


class TodoList:
    def __init__(self, store):
        self.store = store
        self._items = {}                 # id -> Todo
        self._listeners = []
        self._turn = asyncio.Lock()      # FIFO: changes apply in the order they were asked
        self.last_change = None          # ids the latest change touched; None: all of them

    # ------------------------------------------------------------ reading
    async def load(self):
        report = LoadReport()
        items = {}
        for key, value in await self.store.load():
            try:
                todo = from_record(value)
                if todo.id != key:
                    raise BadRecord(f"id {todo.id!r} stored under key {key!r}")
            except BadRecord as exc:
                report.skipped.append((key, str(exc)))
                continue
            items[todo.id] = todo
        self._items = dict(sorted(items.items(), key=lambda kv: (kv[1].created, kv[0])))
        report.loaded = len(self._items)
        self._changed()
        return report

    @property
    def items(self):
        return list(self._items.values())

    def ids(self):
        """The ids in list order, without copying the items."""
        return self._items.keys()

    def values(self):
        return self._items.values()

    def get(self, todo_id):
        return self._items.get(todo_id)

    def __len__(self):
        return len(self._items)

    def facts(self, today):
        return compute_facts(self._items.values(), today)

    # ------------------------------------------------------------ changing
    async def add(self, title, due=None):
        return (await self.add_many([(title, due)]))[0]

    async def add_many(self, entries):
        """[(title, due) or title] -> [Todo], written in one go."""
        async with self._turn:
            # Items are kept in created order, so the newest is the last: no pass over a
            # long list for every add.
            newest = next(reversed(self._items.values()), None)
            todos, last = [], newest.created if newest else None
            for entry in entries:
                title, due = entry if isinstance(entry, tuple) else (entry, None)
                todos.append(make_todo(title, due, after=last))
                last = todos[-1].created
            await self.store.put_many({t.id: to_record(t) for t in todos})
            for t in todos:
                self._items[t.id] = t
            self._changed({t.id for t in todos})
            return todos

    async def update(self, todo_id, **changes):
        """Change title/done/due of one item -> the new Todo (Gone if it was deleted)."""
        async with self._turn:
            todo = self._items.get(todo_id)
            if todo is None:
                raise Gone("That to-do was deleted, so the change was not saved.")
            if "title" in changes:
                changes["title"] = clean_title(changes["title"])
            if "due" in changes:
                changes["due"] = parse_due(changes["due"])
            new = todo.with_changes(**changes)
            if new != todo:
                await self.store.put_many({new.id: to_record(new)})
                self._items[new.id] = new
                self._changed({new.id})
            return new

    async def set_done(self, todo_id, done=True):
        return await self.update(todo_id, done=bool(done))

    async def delete(self, todo_id):
        """-> the deleted Todo, or None when it was already gone (a second click)."""
        gone = await self.delete_many([todo_id])
        return gone[0] if gone else None

    async def delete_many(self, todo_ids):
        """-> the Todos deleted; ids already gone are skipped (deleting twice is deleting)."""
        async with self._turn:
            todos = [self._items[i] for i in dict.fromkeys(todo_ids) if i in self._items]
            if not todos:
                return []
            await self.store.delete_many([t.id for t in todos])
            for todo in todos:
                del self._items[todo.id]
            self._changed({t.id for t in todos})
            return todos

    # ------------------------------------------------------------ observing
    def subscribe(self, listener):
        """`listener()` runs after every change (`last_change` says which ids it touched, so
        a long list can redraw just those); returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self, ids=None):
        self.last_change = frozenset(ids) if ids is not None else None
        for listener in list(self._listeners):
            listener()
