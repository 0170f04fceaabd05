"""The "Download models" section of the Models panel: the catalog's models, a store choice,
and per model a download button, a progress bar with text (bytes, rate, ETA), cancel, resume,
and "Use" once it is stored: the shared engine (app.engines.active) loads it, so the assistant
answers with it. A model that `build.py convert` makes (catalog "build") is offered only when
this server has its file; otherwise the row says how to build it.

Rendering is immediate and cheap; the catalog and the stores are read afterwards, in the
background, so boot does no work beyond rendering.
"""
import asyncio

from app.compat import create_proxy, js, to_js_object
from app.download.catalog import CatalogError, load_catalog
from app.download.progress import (CANCELLED, DONE, FAILED, FINAL, describe, human_bytes)
from app.engines.active import ENGINE_CLASSES     # engine names only: no runtime is imported
from app.ui.dom import append, clear, h
from app.ui.shell import feature_area

STORE_LABELS = {"opfs": "OPFS (Origin Private File System)", "cache": "Cache API",
                "idb": "IndexedDB"}


class ModelRow:
    """One model: its status line, progress bar and the one button that fits its state."""

    def __init__(self, panel, model):
        self.panel, self.model = panel, model
        self.download = None
        self.loading = False
        size = human_bytes(model.size) if model.size is not None else "size unknown"
        self.status = h("p", "Checking the store…", class_="download-status", role="status",
                        aria_live="polite")
        self.bar = h("progress", max="1", value="0", hidden=True,
                     aria_label=f"Download progress of {model.name}")
        self.buttons = h("div", class_="download-actions")
        self.element = h("li", h("span", model.name, class_="download-name"),
                         h("span", f" · {size}", class_="download-size"),
                         self.bar, self.status, self.buttons, class_="download-row",
                         data_model=model.id)

    def button(self, label, action, name):
        el = h("button", label, type="button", aria_label=f"{name} {self.model.name}")
        self.panel.on(el, "click", lambda _e: action())
        return el

    def show(self, text, *buttons):
        self.status.textContent = text
        append(clear(self.buttons), *[b for b in buttons if b is not None])

    def use_button(self, store):
        if self.model.engine not in ENGINE_CLASSES:
            return None
        return self.button("Use", lambda: self.panel.spawn(self.use(store)), "Use")

    async def use(self, store):
        """Load the stored model into the shared engine: the assistant answers with it."""
        from app.engines.active import active
        if self.loading:
            return
        self.loading = True
        self.show("Loading the model…")
        self.bar.hidden, self.bar.max, self.bar.value = False, "1", "0"

        def progress(fraction, text):
            self.bar.value = str(max(0.0, min(1.0, float(fraction))))
            self.status.textContent = text
        try:
            await active.load(self.model.as_dict(), store, progress)
            self.show(f"In use: the assistant answers with {self.model.name}.")
        except Exception as exc:  # noqa: BLE001 - shown in the row; the app keeps running
            self.show(f"Could not load the model: {exc}", self.use_button(store))
        finally:
            self.loading = False
            self.bar.hidden = True

    async def refresh(self, store):
        """Show what the store holds for this model (complete, partly downloaded, nothing)."""
        if self.download is not None and not self.download.finished or self.loading:
            return
        self.bar.hidden = True
        try:
            infos = [await store.info(self.model.key(f)) for f in self.model.files]
            partial_keys = {p.key for p in await store.partials()}
        except Exception as exc:  # a broken store must not break the panel
            self.show(f"Cannot read {store.label}: {exc}",
                      self.button("Download", self.start, "Download"))
            return
        if all(infos):
            self.show(f"Stored in {store.label} and verified.", self.use_button(store))
        elif not self.model.downloadable:
            self.show(self.model.extra.get("how_to_get")
                      or "Bring this model yourself: its URL is not in the catalog.")
        elif self.model.extra.get("build") and not await self.panel.served(self.model):
            self.show("Not built on this server. Build it with: "
                      f"{self.model.extra['build'].get('command', 'python3 build.py convert')}")
        elif any(self.model.key(f) in partial_keys for f in self.model.files):
            self.show(f"Partly downloaded to {store.label}: resume to fetch the rest.",
                      self.button("Resume", self.start, "Resume download of"))
        else:
            self.show(f"Not downloaded to {store.label}.",
                      self.button("Download", self.start, "Download"))

    def start(self):
        from app.download.manager import Download
        store = self.panel.store()
        self.download = Download(self.model, store, on_progress=self.on_progress).start()
        self.show("Starting…", self.button("Cancel", self.cancel, "Cancel download of"))
        self.download.task.add_done_callback(lambda _t: self.panel.spawn(self.settled(store)))

    def cancel(self):
        if self.download is not None:
            self.download.cancel()

    def on_progress(self, progress):
        self.bar.hidden = False
        self.bar.max = str(max(progress.total, 1))
        self.bar.value = str(progress.done)
        self.bar.setAttribute("aria-valuetext", describe(progress))
        self.status.textContent = describe(progress)

    async def settled(self, store):
        progress = self.download.progress
        task = self.download.task
        error = task.exception() if not task.cancelled() else None
        if progress.state == DONE and error is None:
            self.show(f"Downloaded to {store.label} and verified "
                      f"({human_bytes(progress.total)}).", self.use_button(store))
            return
        text = describe(progress) if progress.state in FINAL else f"Failed: {error}"
        if progress.state == FAILED and error is not None:
            text = f"Download failed: {error}"
        label, prefix = ("Resume", "Resume download of") if progress.state in (CANCELLED, FAILED) \
            else ("Download", "Download")
        self.show(text, self.button(label, self.start, prefix))


class DownloadsPanel:
    def __init__(self, container):
        self.container = container
        self.rows = []
        self._proxies = []
        self._tasks = set()
        self.select = h("select", id="download-store", aria_label="Store for downloads")
        self.list = h("ul", class_="download-list", aria_label="Downloadable models")
        self.note = h("p", "Loading the model catalog…", class_="placeholder")
        self._served = {}       # model id -> whether this server has its files

    def on(self, element, event, handler):
        proxy = create_proxy(handler)
        self._proxies.append(proxy)
        element.addEventListener(event, proxy)

    def spawn(self, coro):
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def render(self):
        section = h("section",
                    h("h3", "Download models", id="downloads-heading"),
                    h("label", "Store: ", self.select, for_="download-store"),
                    self.note, self.list,
                    class_="downloads", aria_labelledby="downloads-heading")
        self.container.append(section)
        self.on(self.select, "change", lambda _e: self.spawn(self.store_changed()))
        return section

    async def served(self, model):
        """Whether the server has every file of `model` (a HEAD each, asked once per page)."""
        if model.id not in self._served:
            try:
                head = to_js_object({"method": "HEAD", "cache": "no-store"})
                answers = [await js.fetch(f.url, head) for f in model.files]
                self._served[model.id] = all(a.ok for a in answers)
            except Exception:   # offline: say "not built" rather than offer a download that fails
                self._served[model.id] = False
        return self._served[model.id]

    def store(self):
        from app.storage import get_store
        return get_store(self.select.value)

    async def load(self):
        """Fill in the catalog and the store state (runs after boot, in the background)."""
        from app.storage.registry import WRITABLE, default_kind
        try:
            catalog = await load_catalog()
        except (CatalogError, Exception) as exc:  # a bad catalog is a message, not a crash
            self.note.textContent = f"The model catalog could not be loaded: {exc}"
            return
        try:
            chosen = await default_kind()
        except Exception:
            chosen = WRITABLE[0]
        for kind in WRITABLE:
            self.select.append(h("option", STORE_LABELS.get(kind, kind), value=kind,
                                 selected=kind == chosen))
        self.note.remove()
        self.rows = [ModelRow(self, m) for m in catalog.models]
        append(self.list, [row.element for row in self.rows])
        await self.refresh()

    async def refresh(self):
        store = self.store()
        for row in self.rows:
            await row.refresh(store)

    async def store_changed(self):
        from app.storage.registry import set_default_kind
        try:
            await set_default_kind(self.select.value)
        except Exception as exc:
            js.console.warn(f"could not remember the store choice: {exc!r}")
        await self.refresh()


_panel = None


def render_downloads_panel(container=None):
    """Render the section now; load the catalog and store state in the background."""
    global _panel
    _panel = DownloadsPanel(container or feature_area("models", "downloads"))
    _panel.render()
    _panel.spawn(_panel.load())
    return _panel
