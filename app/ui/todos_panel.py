"""The to-do list panel (#todos-body): add, edit, complete, delete, due dates, filter.

One delegated listener per event type on the list (not one per item), so re-rendering a
long list creates no proxies. Titles are set as text (app.ui.dom.h), never as HTML.
"""
from app.compat import js
from app.todos.facts import fmt_date
from app.todos.todolist import MemoryStore, TodoList
from app.ui.clock import local_today
from app.ui.dom import append, clear, h, missing
from app.ui.events import on, spawn

FILTERS = (("all", "All"), ("open", "Open"), ("done", "Done"))


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


class TodosPanel:
    def __init__(self, container, todos):
        self.todos = todos
        self.filter = "all"
        self.editing = None            # id of the item being edited
        self._rows = {}                # id -> (what it shows, <li>)
        self.title_input = h("input", id="new-todo", type="text", autocomplete="off",
                             maxlength="500")
        self.due_input = h("input", id="new-todo-due", type="date")
        self.add_form = h(
            "form",
            h("div", h("label", "New to-do", for_="new-todo"), self.title_input,
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
        self.list = h("ul", class_="todo-list", aria_label="To-dos")
        clear(container).append(self.add_form, self.notice, self.error, filters, self.summary,
                                self.list)
        self._proxies = [
            on(self.add_form, "submit", self._on_add),
            on(filters, "change", self._on_filter),
            on(self.list, "change", self._on_change),
            on(self.list, "click", self._on_click),
            on(self.list, "submit", self._on_save),
            on(self.list, "keydown", self._on_keydown),
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
        focused = js.document.activeElement
        focus_id = "" if missing(focused) else focused.id
        today = local_today()
        facts = self.todos.facts(today)
        overdue = f", {len(facts.overdue)} overdue" if facts.overdue else ""
        self.summary.textContent = (f"{len(facts.open)} open, {len(facts.done)} done{overdue}"
                                    if facts.total else "No to-dos yet. Add one above.")
        items = self.visible_items()
        rows = [self._row(t, today) for t in items]
        self._rows = {k: v for k, v in self._rows.items() if self.todos.get(k) is not None}
        if facts.total and not items:
            rows = [h("li", f"No {self.filter} to-dos.", class_="todo-empty")]
        clear(self.list).append(*rows)
        if focus_id and not missing(again := js.document.getElementById(focus_id)):
            again.focus()

    def _row(self, todo, today):
        """The item's <li>, reused while nothing it shows has changed: one change in a long
        list rebuilds one row, not all of them."""
        key = (todo, todo.id == self.editing, today)
        cached = self._rows.get(todo.id)
        if cached is None or cached[0] != key:
            cached = self._rows[todo.id] = (key, self._item(todo, today))
        return cached[1]

    def _item(self, todo, today):
        box_id = f"todo-{todo.id}"
        if todo.id == self.editing:
            return h("li", h("form",
                             h("label", "Title", for_=f"edit-title-{todo.id}"),
                             h("input", id=f"edit-title-{todo.id}", name="title", type="text",
                               value=todo.title, maxlength="500"),
                             h("label", "Due date", for_=f"edit-due-{todo.id}"),
                             h("input", id=f"edit-due-{todo.id}", name="due", type="date",
                               value=todo.due.isoformat() if todo.due else ""),
                             h("button", "Save", type="submit"),
                             h("button", "Cancel", type="button", data_action="cancel"),
                             class_="todo-edit", data_id=todo.id,
                             aria_label="Edit to-do"),
                     class_="todo-item editing", data_id=todo.id)
        due = None
        if todo.due:
            late = todo.is_overdue(today)
            due = h("span", ("overdue since " if late else "due ") + fmt_date(todo.due, today),
                    class_="todo-due overdue" if late else "todo-due")
        return h("li",
                 h("input", type="checkbox", id=box_id, checked=todo.done, data_action="toggle"),
                 h("label", todo.title, for_=box_id, class_="todo-title"),
                 due,
                 h("span", h("button", "Edit", type="button", data_action="edit",
                             id=f"edit-{todo.id}"),
                   h("button", "Delete", type="button", data_action="delete",
                     id=f"delete-{todo.id}"),
                   class_="todo-actions"),
                 class_="todo-item done" if todo.done else "todo-item", data_id=todo.id)

    # ------------------------------------------------------------ events
    def _run(self, coro):
        self.show_error(None)
        spawn(coro, self.show_error)

    def _on_add(self, event):
        event.preventDefault()
        title, due = self.title_input.value, self.due_input.value or None
        if not title.strip():
            self.show_error("Type a title for the to-do first.")
            self.title_input.focus()
            return

        async def add():
            await self.todos.add(title, due)
            self.title_input.value = ""
            self.due_input.value = ""
            self.title_input.focus()
        self._run(add())

    def _on_filter(self, event):
        self.filter = event.target.value
        self.render()

    @staticmethod
    def _item_id(event):
        item = event.target.closest("[data-id]")
        return None if missing(item) else item.dataset.id

    def _on_change(self, event):
        box = event.target
        if box.dataset.action != "toggle":
            return

        async def toggle():
            try:
                await self.todos.set_done(self._item_id(event), box.checked)
            except Exception:
                box.checked = not box.checked      # the change did not happen: say so
                raise
        self._run(toggle())

    def _on_click(self, event):
        button = event.target.closest("button[data-action]")
        if missing(button):
            return
        todo_id, action = self._item_id(event), button.dataset.action
        if action == "delete":
            self._run(self._delete(todo_id))
        elif action == "edit":
            self.editing = todo_id
            self.render()
            js.document.getElementById(f"edit-title-{todo_id}").focus()
        elif action == "cancel":
            self._stop_editing(todo_id)

    async def _delete(self, todo_id):
        items = self.visible_items()
        index = next((i for i, t in enumerate(items) if t.id == todo_id), 0)
        await self.todos.delete(todo_id)
        # Keep keyboard users in the list: focus the next item's checkbox (or the textbox).
        rest = self.visible_items()
        target = js.document.getElementById(f"todo-{rest[min(index, len(rest) - 1)].id}") \
            if rest else self.title_input
        if not missing(target):
            target.focus()

    def _on_save(self, event):
        event.preventDefault()
        form = event.target
        todo_id = form.dataset.id
        title = form.elements.namedItem("title").value
        due = form.elements.namedItem("due").value or None

        async def save():
            await self.todos.update(todo_id, title=title, due=due)
            self._stop_editing(todo_id)
        self._run(save())

    def _on_keydown(self, event):
        if event.key == "Escape" and self.editing:
            self._stop_editing(self.editing)

    def _stop_editing(self, todo_id):
        self.editing = None
        self.render()
        box = js.document.getElementById(f"edit-{todo_id}")
        if not missing(box):
            box.focus()

