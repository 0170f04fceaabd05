"""The Models & storage panel: every stored model per store with its size and a delete button,
downloads in flight into each store, which entry the engine has loaded, persistent-storage
state, usage and quota, the default store, and files picked from disk.

What the stores hold comes from the models state (app.models_state) only: the panel redraws
on every change there (a copy, a download, a delete, here or in another tab) and never keeps
its own list. `render()` draws the frame at once (boot stays fast) and fills it when the stores
have been read; the body carries data-state="loading" | "ready" so tests and users can tell.
One delegated click listener serves every button, so re-rendering never leaks callbacks.
"""
import asyncio

from app.coalesce import Coalesced
from app.compat import create_proxy
from app.download.progress import describe
from app.models_state import DEFAULT, DOWNLOADS, ENGINE, STORED, models
from app.ui.dom import clear, h, missing
from app.ui.shell import feature_area

UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB")


def fmt_bytes(n):
    if n is None:
        return "unknown"
    value, unit = float(n), 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value, unit = value / 1024, unit + 1
    return f"{int(value)} bytes" if unit == 0 else f"{value:,.1f} {UNITS[unit]}"


def persist_text(state):
    if state.get("persisted"):
        return "Persistent storage: granted. Models stay until you delete them."
    if state.get("last_request") == "denied":
        return ("Persistent storage: denied by the browser. It may clear stored models when "
                "the disk runs low.")
    return "Persistent storage: not requested yet (asked when the first model is saved)."


def usage_text(state):
    usage, quota = state.get("usage"), state.get("quota")
    if usage is None or not quota:
        return "Storage usage: unknown in this browser."
    return f"Storage used: {fmt_bytes(usage)} of {fmt_bytes(quota)} ({usage / quota:.1%})."


class StoragePanel:
    def __init__(self, body):
        self.body = body
        self._tasks = set()
        self.usage = h("p", "Checking storage…", class_="storage-usage", role="status")
        self.persist = h("span", "", class_="storage-persist")
        self.persist_button = h("button", "Request persistent storage", type="button",
                                data_action="persist", hidden=True)
        self.error = h("p", "", class_="storage-error", role="alert", hidden=True)
        self.default_select = h("select", id="default-store", data_action="default")
        self.stores = h("div", class_="storage-stores")
        self.file_input = h("input", type="file", hidden=True, aria_label="Model file from disk",
                            accept=".bin,.gguf,.task,.litertlm,.onnx")
        self._click = create_proxy(self._on_click)
        self._change = create_proxy(self._on_change)
        body.addEventListener("click", self._click)
        body.addEventListener("change", self._change)
        self.redraw = Coalesced(self._draw_stores)
        self.recount = Coalesced(self._show_usage)
        self._unsubscribe = [
            models.subscribe(lambda _t: self._request(self.redraw), STORED, DOWNLOADS, ENGINE),
            models.subscribe(lambda _t: self._request(self.recount), STORED),
            models.subscribe(lambda _t: self._show_default(), DEFAULT)]

    def frame(self):
        clear(self.body).append(
            self.usage,
            h("div", self.persist, self.persist_button, class_="storage-persist-row"),
            h("p", h("label", "Save new models in ", self.default_select, for_="default-store")),
            self.error,
            self.stores,
            self.file_input,
            h("p", h("a", "Measure storage speed on this device", href="./bench.html")),
        )
        self.body.dataset.state = "loading"

    # -- events (one delegated listener each) -------------------------------------------
    def _spawn(self, coro):
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_click(self, event):
        button = event.target.closest("button[data-action]")
        if missing(button):
            return
        # getAttribute: a missing data-* attribute is undefined, which a JsProxy attribute
        # lookup would turn into an AttributeError.
        action, kind, key = (button.getAttribute(f"data-{n}") for n in ("action", "store", "key"))
        if action == "pick":
            from app.storage.fsa_store import has_picker
            if not has_picker():   # no File System Access: a plain file input, this session
                self.file_input.click()    # inside the click: browsers need the gesture
                return
        self._spawn(self._act(action, kind, key))

    def _on_change(self, event):
        target = event.target
        if target == self.default_select:
            self._spawn(self._act("default", target.value, None))
        elif target == self.file_input and target.files.length:
            from app.storage.registry import get_store
            get_store("fsa").add_file(target.files.item(0))     # the state redraws us
            target.value = ""

    async def _act(self, action, kind, key):
        from app.storage import quota
        from app.storage.registry import get_store, set_default_kind
        try:
            self.show_error(None)
            if action == "delete":
                await get_store(kind).delete(key)
            elif action == "persist":
                await quota.request_persist()
            elif action == "default":
                await set_default_kind(kind)
            elif action == "allow":
                await get_store("fsa").allow(key)
            elif action == "accept":
                await get_store("fsa").accept_change(key)
            elif action == "pick":
                await get_store("fsa").pick()
        except Exception as exc:  # a failed action is shown, never crashes the panel
            self.show_error(str(exc))
        if action in ("persist", "default"):     # not model contents: the state has no word
            await self._request(self.recount)

    def show_error(self, message):
        self.error.textContent = message or ""
        self.error.hidden = not message

    # -- filling in ----------------------------------------------------------------------
    async def refresh(self):
        """Read every store again, then show it (what the stores hold, usage and quota)."""
        from app import models_sync
        self.body.dataset.state = "loading"
        await models_sync.refresh()
        await self._request(self.recount)
        await self._request(self.redraw)

    def _request(self, job):
        """Run a Coalesced redraw or recount; "ready" only once neither has work left."""
        self.body.dataset.state = "loading"
        task = job()
        task.add_done_callback(lambda _t: self._maybe_ready())
        return task

    def _maybe_ready(self):
        from app.storage.registry import KINDS
        idle = not (self.redraw.busy or self.recount.busy)
        if idle and all(models.listing(k).read for k in KINDS):
            self.body.dataset.state = "ready"

    async def _show_usage(self):
        from app.storage import quota, registry
        try:
            for store in registry.all_stores():
                await store.settle()
            state = await quota.state()
            self.usage.textContent = usage_text(state)
            self.persist.textContent = persist_text(state) + " "
            self.persist_button.hidden = bool(state.get("persisted"))
            await self._fill_default(registry)
        except Exception as exc:
            self.show_error(f"Could not read storage: {exc}")

    async def _draw_stores(self):
        from app.storage import registry
        try:
            sections = [await self._store_section(s) for s in registry.all_stores()]
        except Exception as exc:  # noqa: BLE001 - shown; the last drawing stays
            self.show_error(f"Could not show storage: {exc}")
            return
        clear(self.stores).append(*sections)

    async def _fill_default(self, registry):
        if not self.default_select.options.length:
            self.default_select.append(*[h("option", registry.get_store(k).label, value=k)
                                         for k in registry.WRITABLE])
        await registry.default_kind()        # publishes it: _show_default follows
        self._show_default()

    def _show_default(self):
        if models.default_store is not None:
            self.default_select.value = models.default_store

    async def _store_section(self, store):
        listing = models.listing(store.kind)
        downloading = models.downloading(store.kind)
        busy_prefixes = tuple(f"{t.progress.model_id}/" for t in downloading)
        items, partial_items, damaged_items = [], [], []
        for entry in listing.entries.values():
            items.append(await self._model_item(store, entry))
        for t in downloading:
            where = "downloading in another tab: " if t.remote else "downloading: "
            items.append(h("li", h("span", t.progress.model_id, class_="model-key"), " ",
                           h("span", where + describe(t.progress), class_="model-size"),
                           class_="model-downloading"))
        for entry in listing.partials.values():
            if entry.key.startswith(busy_prefixes):
                continue                 # the download in flight above
            partial_items.append(h(
                "li", h("span", entry.key, class_="model-key"), " ",
                h("span", f"{fmt_bytes(entry.size)}, incomplete download", class_="model-size"),
                " ", self._button("Discard", "delete", store, entry.key,
                                  f"Discard incomplete {entry.key} from {store.label}")))
        for entry in listing.damaged.values():      # never hidden: it holds space
            damaged_items.append(h(
                "li", h("span", entry.key, class_="model-key"), " ",
                h("span", fmt_bytes(entry.size), class_="model-size"), " ",
                h("span", getattr(entry, "damage", ""), class_="model-damage"), " ",
                self._button("Delete", "delete", store, entry.key,
                             f"Delete damaged {entry.key} from {store.label}"),
                class_="model-damaged"))
        if listing.error is not None:
            items.append(h("li", f"Could not list {store.label}: {listing.error}",
                           class_="storage-error"))
        if not listing.read:
            items = [h("li", "Reading…", class_="placeholder")]
        elif not items:
            items = [h("li", "No models stored here.", class_="placeholder")]
        section = h("section", h("h3", store.label),
                    h("ul", items, class_="model-list", aria_label=f"Models in {store.label}"),
                    class_="store", aria_label=store.label, data_store=store.kind)
        if partial_items:
            section.append(h("ul", partial_items, class_="model-list",
                             aria_label=f"Incomplete downloads in {store.label}"))
        if damaged_items:
            section.append(h("ul", damaged_items, class_="model-list",
                             aria_label=f"Damaged entries in {store.label}"))
        if store.kind == "fsa":
            section.append(h("button", "Use a model file from disk", type="button",
                             data_action="pick", data_store="fsa"))
        return section

    async def _model_item(self, store, entry):
        li = h("li", h("span", entry.key, class_="model-key"), " ",
               h("span", fmt_bytes(entry.size), class_="model-size"), " ")
        if store.kind == "fsa" and not entry.meta.get("session"):
            status = await store.status(entry.key)
            if status in ("prompt", "denied"):
                li.append(self._button("Allow access", "allow", store, entry.key,
                                       f"Allow access to {entry.key}"), " ")
            elif status == "changed":
                li.append(h("span", "(changed on disk)", class_="model-note"), " ",
                          self._button("Use new version", "accept", store, entry.key,
                                       f"Use the new version of {entry.key}"), " ")
            elif status == "missing":
                li.append(h("span", "(no longer on disk)", class_="model-note"), " ")
        elif entry.meta.get("session"):
            li.append(h("span", "(this session only)", class_="model-note"), " ")
        if (store.kind, entry.key) in models.loaded_keys():
            li.append(h("span", "(loaded in the engine)", class_="model-note model-loaded"), " ")
        label = "Forget" if store.kind == "fsa" else "Delete"
        li.append(self._button(label, "delete", store, entry.key,
                               f"{label} {entry.key} from {store.label}"))
        return li

    @staticmethod
    def _button(text, action, store, key, label):
        return h("button", text, type="button", data_action=action, data_store=store.kind,
                 data_key=key, aria_label=label)


current = None   # the panel on the page (tests and other features refresh it)


def render(container=None):
    global current
    current = StoragePanel(container or feature_area("models", "storage"))
    current.frame()
    current._request(current.recount)
    current._request(current.redraw)     # "Reading…" until the models state has read the stores
    return current
