"""The to-do list panel (#todos-body): add, edit, complete, delete, due dates, filter.

One delegated listener per event type on the list (not one per item), so a long list creates
no proxies. Titles are set as text (app.ui.dom.h), never as HTML.

Large lists: each item keeps its row element for as long as it exists (`Row`, keyed by id). A
change patches the parts of that one row that differ, a new item is inserted, a deleted one
removed; no other row is touched. Rows sit in groups of at most GROUP_ROWS, and each group,
not each row, is skipped by the browser while scrolled out of view (`content-visibility:
auto`): Chromium tracks every such element on every frame, which cost a 2,000-row list about
3 ms a frame when each row was one. The filter is one attribute on the list, applied by CSS
(`.todo-list[data-filter=open]`), so switching it moves and rebuilds nothing.

Forms follow app.ui.forms: what was typed is taken at submit time, the change shows at once
as "saving" (aria-busy) and is undone, with the text given back and a message, if the save
fails. The list itself only ever shows what is stored (app.todos.todolist).
"""
import traceback

from app.compat import js
from app.todos.facts import fmt_date
from app.todos.model import MAX_TITLE, clean_title, parse_due
from app.todos.todolist import MemoryStore, TodoList
from app.ui import forms
from app.ui.clock import local_today
from app.ui.dom import append, clear, h, missing
from app.ui.events import on, spawn

GROUP_ROWS = 64
FILTERS = (("all", "All"), ("open", "Open"), ("done", "Done"))
TITLE_HINT = f"Up to {MAX_TITLE} characters."


async def mount_todos(container):
    """Open the stored list (IndexedDB), render the panel into `container` -> TodosPanel."""
    notices = []
    try:
        from app.todos.idb import IdbTodoStore
        store = await IdbTodoStore.open()
    except Exception as exc:  # noqa: BLE001 - no storage: still a working (unsaved) list
        store = MemoryStore()
        notices.append(f"{getattr(exc, 'message', exc)} Changes will be lost when you close "
                       "the page.")
    todos = TodoList(store)
    panel = TodosPanel(container, todos)
    report = await todos.load()
    if report.notice:
        notices.append(report.notice)
    for key, reason in report.skipped:
        js.console.warn(f"to-do record {key!r} skipped: {reason}")
    panel.show_notice(" ".join(notices) if notices else None)
    return panel


class Row:
    """One item's <li> and the parts a change updates in place."""

    def __init__(self, todo_id):
        box_id = f"todo-{todo_id}"
        self.box = h("input", type="checkbox", id=box_id, data_action="toggle")
        self.label = h("label", for_=box_id, class_="todo-title")
        self.due = h("span", class_="todo-due", hidden=True)
        self.delete = h("button", "Delete", type="button", data_action="delete",
                        id=f"delete-{todo_id}")
        self.el = h("div", self.box, self.label, self.due,
                    h("span", h("button", "Edit", type="button", data_action="edit",
                                id=f"edit-{todo_id}"),
                      self.delete, class_="todo-actions"),
                    class_="todo-item", data_id=todo_id, role="listitem")
        self.group = None            # the Group it sits in
        self.shown = None            # (todo, today, saving, deleting) last drawn
        self.parts = {}              # what each part shows now

    def show(self, todo, today, saving, deleting):
        """Draw `todo`; only the DOM properties whose value differs are written."""
        state = (todo, today, saving, deleting)
        if self.shown == state:
            return
        self.shown = state
        late = todo.is_overdue(today)
        due = (("overdue since " if late else "due ") + fmt_date(todo.due, today)) \
            if todo.due else ""
        busy = saving or deleting
        self._set("title", todo.title, lambda v: setattr(self.label, "textContent", v))
        self._set("done", todo.done, lambda v: setattr(self.box, "checked", v))
        self._set("class", "todo-item" + (" done" if todo.done else "") +
                  (" saving" if busy else ""), lambda v: setattr(self.el, "className", v))
        self._set("due", due, lambda v: (setattr(self.due, "textContent", v),
                                         setattr(self.due, "hidden", not v)))
        self._set("late", late, lambda v: self.due.classList.toggle("overdue", v))
        self._set("busy", busy, lambda v: self.el.setAttribute("aria-busy", "true") if v
                  else self.el.removeAttribute("aria-busy"))
        self._set("deleting", deleting, lambda v: setattr(self.delete, "disabled", v))

    def _set(self, name, value, write):
        if self.parts.get(name, ...) != value:
            self.parts[name] = value
            write(value)


class EditRow:
    """An item being edited: its row holds a form (title, due date, Save, Cancel)."""

    def __init__(self, todo, title, due):
        self.title = h("input", id=f"edit-title-{todo.id}", name="title", type="text",
                       value=title, aria_describedby=f"edit-hint-{todo.id}")
        self.due = h("input", id=f"edit-due-{todo.id}", name="due", type="date", value=due)
        self.el = h("div", h("form",
                            h("label", "Title", for_=f"edit-title-{todo.id}"), self.title,
                            h("label", "Due date", for_=f"edit-due-{todo.id}"), self.due,
                            h("button", "Save", type="submit"),
                            h("button", "Cancel", type="button", data_action="cancel"),
                            h("span", TITLE_HINT, id=f"edit-hint-{todo.id}", class_="hint"),
                            class_="todo-edit", data_id=todo.id, aria_label="Edit to-do"),
                    class_="todo-item editing", data_id=todo.id, role="listitem")
        self.group = None
        self.shown = None

    def show(self, *_state):
        """The form keeps what is typed in it; a change stored meanwhile does not overwrite it."""


class Group:
    """Consecutive rows that the browser lays out and paints, or skips, as one."""

    def __init__(self):
        self.el = h("div", class_="todo-group", role="none")
        self.count = 0


class TodosPanel:
    def __init__(self, container, todos):
        self.todos = todos
        self.filter = "all"
        self.drafts = {}               # id -> (title, due) of each item being edited
        self._rows = {}                # id -> Row / EditRow, in the DOM for as long as it exists
        self._order = []               # ids of the rows, in DOM order
        self._saving = {}              # id -> [changes being saved], shown until stored
        self._deleting = set()
        self._groups = []              # Groups of rows, in order
        self._adding = []              # rows of to-dos being added, after every stored row
        self._today = None             # the day the rows were drawn for (due/overdue text)
        self.title_input = h("input", id="new-todo", type="text", autocomplete="off",
                             aria_describedby="new-todo-hint")
        self.due_input = h("input", id="new-todo-due", type="date")
        self.add_form = h(
            "form",
            h("div", h("label", "New to-do", for_="new-todo"), self.title_input,
              h("span", TITLE_HINT, id="new-todo-hint", class_="hint"),
              class_="field grow"),
            h("div", h("label", "Due date (optional)", for_="new-todo-due"), self.due_input,
              class_="field"),
            h("button", "Add", type="submit"),
            class_="todo-add", aria_label="Add a to-do")
        self.notice = h("p", class_="notice", role="status", hidden=True)
        self.error = h("p", class_="error", role="alert", hidden=True)
        self.radios = {}
        filters = h("fieldset", h("legend", "Show"), class_="todo-filter")
        for key, label in FILTERS:
            radio = h("input", type="radio", name="todo-filter", id=f"todo-filter-{key}",
                      value=key, checked=key == self.filter)
            self.radios[key] = radio
            append(filters, h("span", radio, h("label", label, for_=f"todo-filter-{key}")))
        self.summary = h("p", class_="todo-summary", aria_live="polite")
        self.list = h("div", class_="todo-list", role="list", aria_label="To-dos",
                      data_filter=self.filter)
        self.adding_group = h("div", class_="todo-group pending", role="none")
        self.list.append(self.adding_group)
        self.empty = h("p", class_="todo-empty", hidden=True)
        clear(container).append(self.add_form, self.notice, self.error, filters, self.summary,
                                self.list, self.empty)
        self._proxies = [
            on(self.add_form, "submit", self._on_add),
            on(filters, "change", self._on_filter),
            on(self.list, "change", self._on_change),
            on(self.list, "click", self._on_click),
            on(self.list, "submit", self._on_save),
            on(self.list, "keydown", self._on_keydown),
            forms.ignore_held_enter(container),
        ]
        todos.subscribe(self.render)
        self.render()

    # ------------------------------------------------------------ rendering
    def show_notice(self, text):
        self.notice.textContent = text or ""
        self.notice.hidden = not text

    def show_error(self, text):
        self.error.textContent = text or ""
        self.error.hidden = not text

    def visible_items(self):
        items = self.todos.items
        if self.filter == "open":
            return [t for t in items if not t.done]
        if self.filter == "done":
            return [t for t in items if t.done]
        return items

    def render(self):
        """Bring the list in step with the stored items, touching only rows that changed:
        after a change to a few items (TodoList.last_change) only those are looked at."""
        today = local_today()
        changed = self.todos.last_change
        if changed is None or today != self._today:
            self._today = today
            items = self.todos.items
            for todo in items:
                self._draw(todo, today)
            self._place([t.id for t in items])
        else:
            moved = False
            for todo_id in changed:
                todo = self.todos.get(todo_id)
                moved |= todo is None or todo_id not in self._rows
                if todo is not None:
                    self._draw(todo, today)
            if moved:
                self._place(list(self.todos.ids()))
        self._update_counts(today)

    def _draw(self, todo, today):
        row = self._rows.get(todo.id)
        editing = todo.id in self.drafts
        if row is None or editing != isinstance(row, EditRow):
            new = EditRow(todo, *self.drafts[todo.id]) if editing else Row(todo.id)
            if row is not None:
                row.el.replaceWith(new.el)
                new.group = row.group
            row = self._rows[todo.id] = new
        pending = self._saving.get(todo.id)
        if pending:
            merged = {}
            for changes in pending:
                merged.update(changes)
            todo = todo.with_changes(**merged)
        row.show(todo, today, bool(pending), todo.id in self._deleting)

    def _place(self, ids):
        """Put the rows in `ids` order with the fewest DOM operations: deleted rows are
        removed, new ones appended (nearly always at the end); any other order regroups."""
        if ids == self._order:
            return
        wanted = set(ids)
        for gone in [i for i in self._order if i not in wanted]:
            row = self._rows.pop(gone)
            row.el.remove()
            self._leave(row)
            self.drafts.pop(gone, None)
        kept = [i for i in self._order if i in self._rows]
        if ids[:len(kept)] == kept:                      # only additions, at the end
            for i in ids[len(kept):]:
                self._append(self._rows[i])
        else:                                            # anything else: regroup, never rebuild
            old, self._groups = self._groups, []
            for i in ids:
                self._append(self._rows[i])
            for group in old:
                group.el.remove()
        self._order = list(ids)

    def _append(self, row):
        """`row` at the end of the last group (a new group when that one is full)."""
        if not self._groups or self._groups[-1].count >= GROUP_ROWS:
            group = Group()
            self.list.insertBefore(group.el, self.adding_group)
            self._groups.append(group)
        group = self._groups[-1]
        group.el.append(row.el)
        group.count += 1
        row.group = group

    def _leave(self, row):
        group, row.group = row.group, None
        group.count -= 1
        if not group.count:
            group.el.remove()
            self._groups.remove(group)

    def _update_counts(self, today):
        # One pass, no lists: this runs after every change, at any list size.
        total, done, overdue = len(self.todos), 0, 0
        for todo in self.todos.values():
            if todo.done:
                done += 1
            elif todo.due is not None and todo.due < today:
                overdue += 1
        late = f", {overdue} overdue" if overdue else ""
        self.summary.textContent = (f"{total - done} open, {done} done{late}"
                                    if total else "No to-dos yet. Add one above.")
        shown = {"all": total, "open": total - done, "done": done}
        nothing = bool(total) and not shown[self.filter]
        self.empty.textContent = f"No {self.filter} to-dos." if nothing else ""
        self.empty.hidden = not nothing

    def _redraw(self, todo_id):
        """One row again (after its save ended): the rest of the list is untouched."""
        todo = self.todos.get(todo_id)
        if todo is not None:
            self._draw(todo, local_today())

    # ------------------------------------------------------------ events
    def _run(self, coro):
        self.show_error(None)
        spawn(coro, self.show_error)

    def _on_add(self, event):
        event.preventDefault()
        title = self.title_input.value
        if not title.strip():
            if not self._adding:     # else: the second click or Enter of an add under way
                self.show_error("Type a title for the to-do first.")
                self.title_input.focus()
            return
        try:
            title = clean_title(title)
            parse_due(self.due_input.value)
        except ValueError as exc:
            self.show_error(str(exc))
            self.title_input.focus()
            return
        typed, due = forms.take(self.title_input, self.due_input)
        self.title_input.focus()     # clicked Add: type the next one straight away
        pending = h("div", h("span", title, class_="todo-title"),
                    h("span", "Saving…", class_="todo-due"),
                    class_="todo-item saving adding", aria_busy="true", role="listitem")
        self._adding.append(pending)
        self.adding_group.append(pending)

        async def add():
            try:
                await self.todos.add(title, due or None)
            except Exception as exc:  # noqa: BLE001 - shown, and the text handed back
                _log(exc)
                back = forms.give_back(self.title_input, typed)
                if back:
                    forms.give_back(self.due_input, due)
                self.show_error(f"“{title}” was not added: {_reason(exc)}. "
                                f"{forms.lost_text_hint(back, typed)}")
            finally:
                self._adding.remove(pending)
                pending.remove()
        self._run(add())

    def _on_filter(self, event):
        self.filter = event.target.value
        self.list.dataset.filter = self.filter
        self._update_counts(local_today())

    @staticmethod
    def _item_id(event):
        item = event.target.closest("[data-id]")
        return None if missing(item) else item.dataset.id

    def _save(self, todo_id, changes, what, on_fail=None):
        """Show `changes` on the row now, store them (in order), and undo them on screen with
        a message if the save fails."""
        self._saving.setdefault(todo_id, []).append(changes)
        self._redraw(todo_id)

        async def save():
            try:
                await self.todos.update(todo_id, **changes)
            except Exception as exc:  # noqa: BLE001 - shown; the row shows what is stored
                _log(exc)
                extra = on_fail() if on_fail else ""
                self.show_error(f"Could not {what}: {_reason(exc)}.{extra}")
            finally:
                pending = self._saving.get(todo_id, [])
                pending.remove(changes)
                if not pending:
                    self._saving.pop(todo_id, None)
                self._redraw(todo_id)
        self._run(save())

    def _on_change(self, event):
        box = event.target
        if box.getAttribute("data-action") != "toggle":    # also: the edit form's inputs
            return
        todo_id, done = self._item_id(event), bool(box.checked)
        todo = self.todos.get(todo_id)
        title = f"“{todo.title}”" if todo else "the to-do"
        self._save(todo_id, {"done": done}, f"mark {title} as {'done' if done else 'not done'}")

    def _on_click(self, event):
        button = event.target.closest("button[data-action]")
        if missing(button):
            return
        todo_id, action = self._item_id(event), button.dataset.action
        if action == "delete":
            if todo_id not in self._deleting:        # a second click of the same delete
                self._deleting.add(todo_id)
                self._redraw(todo_id)
                self._run(self._delete(todo_id))
        elif action == "edit":
            todo = self.todos.get(todo_id)
            if todo is None or todo_id in self.drafts:
                return
            self.drafts[todo_id] = (todo.title, todo.due.isoformat() if todo.due else "")
            self._redraw(todo_id)
            self._rows[todo_id].title.focus()
        elif action == "cancel":
            self._stop_editing(todo_id)

    async def _delete(self, todo_id):
        items = self.visible_items()
        index = next((i for i, t in enumerate(items) if t.id == todo_id), 0)
        todo = self.todos.get(todo_id)
        try:
            await self.todos.delete(todo_id)
        except Exception as exc:  # noqa: BLE001 - shown; the row stays, as stored
            _log(exc)
            self.show_error(f"Could not delete “{todo.title if todo else todo_id}”: "
                            f"{_reason(exc)}.")
            return
        finally:
            self._deleting.discard(todo_id)
            self._redraw(todo_id)
        # Keep keyboard users in the list: focus the next item's checkbox (or the textbox).
        rest = self.visible_items()
        target = js.document.getElementById(f"todo-{rest[min(index, len(rest) - 1)].id}") \
            if rest else self.title_input
        if not missing(target):
            target.focus()

    def _on_save(self, event):
        event.preventDefault()
        todo_id = event.target.dataset.id
        row = self._rows.get(todo_id)
        if not isinstance(row, EditRow):
            return
        try:
            title = clean_title(row.title.value)
            due = parse_due(row.due.value)
        except ValueError as exc:
            self.show_error(str(exc))
            row.title.focus()
            return
        draft = forms.take(row.title, row.due)

        def reopen():
            # The form comes back with what was typed in it.
            if todo_id in self.drafts or self.todos.get(todo_id) is None:
                return " " + forms.lost_text_hint(False, draft[0])
            self.drafts[todo_id] = draft
            self._redraw(todo_id)
            self._rows[todo_id].title.focus()
            return " What you typed is back in the form."
        self._stop_editing(todo_id)
        self._save(todo_id, {"title": title, "due": due}, f"save “{title}”", reopen)

    def _on_keydown(self, event):
        if event.key == "Escape":
            todo_id = self._item_id(event)
            if todo_id in self.drafts:
                self._stop_editing(todo_id)

    def _stop_editing(self, todo_id):
        self.drafts.pop(todo_id, None)
        self._redraw(todo_id)
        button = js.document.getElementById(f"edit-{todo_id}")
        if not missing(button):
            button.focus()


def _log(exc):
    # To the console, not stderr: PyScript shows stderr as an error box, and this failure
    # is already explained to the user in the panel.
    js.console.warn("".join(traceback.format_exception(exc)))


def _reason(exc):
    return (str(exc) or type(exc).__name__).rstrip(".")
