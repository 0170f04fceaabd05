"""The "Download models" section of the Models panel: the catalog's models, a store choice,
and per model a download button, a progress bar with text (bytes, rate, ETA), cancel, resume,
and "Use" once it is stored: the shared engine (app.engines.active) loads it, so the assistant
answers with it. A model that `build.py convert` makes (catalog "build") is offered only when
this server has its file; otherwise the row says how to build it.

Each row shows what the models state (app.models_state) says about its model in the chosen
store (stored, downloading here or in another tab, partly downloaded, failed, absent) and is
redrawn on every change there, whoever made it (this panel, the chat's "Load the built-in
model", the storage panel's Delete, another tab). Rendering is immediate and cheap; the
catalog is read afterwards, in the background, so boot does no work beyond rendering.
"""
import asyncio

from app.compat import create_proxy, js, to_js_object
from app.download.catalog import CatalogError, load_catalog
from app.download.progress import CANCELLED, DONE, FAILED, describe, human_bytes
from app.engines.active import ENGINE_CLASSES     # engine names only: no runtime is imported
from app.models_state import DEFAULT, DOWNLOADS, ENGINE, STORED, models
from app.ui.dom import append, clear, h
from app.ui.shell import feature_area

STORE_LABELS = {"opfs": "OPFS (Origin Private File System)", "cache": "Cache API",
                "idb": "IndexedDB"}


class ModelRow:
    """One model: its status line, progress bar and the one button that fits its state."""

    def __init__(self, panel, model):
        self.panel, self.model = panel, model
        self.loading = False            # "Use" is loading it into the shared engine
        size = human_bytes(model.size) if model.size is not None else "size unknown"
        self.status = h("p", "Checking the store…", class_="download-status", role="status",
                        aria_live="polite")
        self.bar = h("progress", max="1", value="0", hidden=True,
                     aria_label=f"Download progress of {model.name}")
        self.buttons = h("div", class_="download-actions")
        # Made once and shown as the state asks: a redraw per progress tick makes no proxies.
        self.download_button = self.button("Download", self.start, "Download")
        self.resume_button = self.button("Resume", self.start, "Resume download of")
        self.cancel_button = self.button("Cancel", self.cancel, "Cancel download of")
        self.use_button = (self.button("Use", lambda: self.panel.spawn(self.use()), "Use")
                           if model.engine in ENGINE_CLASSES else None)
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

    async def use(self):
        """Load the stored model into the shared engine: the assistant answers with it."""
        from app.engines.active import active
        if self.loading:
            return
        store = self.panel.store()
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
            self.show(f"Could not load the model: {exc}", self.use_button)
        finally:
            self.loading = False
            self.bar.hidden = True

    def render(self, store):
        """Show what the models state says about this model in `store`."""
        if self.loading:        # the load's progress owns the row until it settles
            return
        status = models.status(self.model, store.kind)
        transfer = models.transfer(store.kind, self.model)
        progress = transfer.progress if transfer is not None else None
        self.bar.hidden = status != "downloading"
        if status == "downloading":
            self.bar.max = str(max(progress.total, 1))
            self.bar.value = str(progress.done)
            self.bar.setAttribute("aria-valuetext", describe(progress))
            local = not transfer.remote and self.panel.running(store, self.model) is not None
            text = describe(progress) + (" (in another tab)" if transfer.remote else "")
            self.show(text, *([self.cancel_button] if local else []))
        elif status == "stored" and models.loaded_from() == (self.model.id, store.kind):
            self.show(f"In use: the assistant answers with {self.model.name}.")
        elif status == "stored":
            if progress is not None and progress.state == DONE:
                self.show(f"Downloaded to {store.label} and verified "
                          f"({human_bytes(progress.total)}).", self.use_button)
            else:
                self.show(f"Stored in {store.label} and verified.", self.use_button)
        elif status == "damaged":
            self.show(f"Stored in {store.label} but damaged: delete it under “{store.label}” "
                      "above, then download it again.")
        elif status == "unknown":
            self.show("Checking the store…")
        elif status == "error":
            self.show(f"Cannot read {store.label}: {models.listing(store.kind).error}",
                      self.download_button)
        elif not self.model.downloadable:
            self.show(self.model.extra.get("how_to_get")
                      or "Bring this model yourself: its URL is not in the catalog.")
        elif self.model.extra.get("build") and self.panel.served(self.model) is None:
            self.show("Checking whether this server has it…")
        elif self.model.extra.get("build") and not self.panel.served(self.model):
            self.show("Not built on this server. Build it with: "
                      f"{self.model.extra['build'].get('command', 'python3 build.py convert')}")
        elif progress is not None and progress.state == FAILED:
            self.show(f"Download failed: {progress.error}", self.resume_button)
        elif status == "partial":
            self.show(describe(progress) if progress is not None and progress.state == CANCELLED
                      else f"Partly downloaded to {store.label}: resume to fetch the rest.",
                      self.resume_button)
        else:
            self.show(f"Not downloaded to {store.label}.", self.download_button)

    def start(self):
        from app.download.manager import Download
        store = self.panel.store()
        if self.panel.running(store, self.model) is None:     # a double click starts one
            Download(self.model, store).start()

    def cancel(self):
        download = self.panel.running(self.panel.store(), self.model)
        if download is not None:
            download.cancel()


class DownloadsPanel:
    def __init__(self, container):
        self.container = container
        self.rows = []
        self._proxies = []
        self._tasks = set()
        self.select = h("select", id="download-store", aria_label="Store for downloads")
        self.list = h("ul", class_="download-list", aria_label="Downloadable models")
        self.note = h("p", "Loading the model catalog…", class_="placeholder")
        self._served = {}       # model id -> whether this server has its files (built ones)
        self._loaded_from = None    # models.loaded_from() when the rows were last drawn for it

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

    def served(self, model):
        """Whether the server has every file of a built model (None: not asked yet)."""
        return self._served.get(model.id)

    async def ask_served(self, built):
        """A HEAD per file of each built model, once per page; the rows are redrawn after."""
        head = to_js_object({"method": "HEAD", "cache": "no-store"})
        for model in built:
            try:
                answers = [await js.fetch(f.url, head) for f in model.files]
                self._served[model.id] = all(a.ok for a in answers)
            except Exception:   # offline: say "not built" rather than offer a download that fails
                self._served[model.id] = False
        self.refresh()

    def store(self):
        from app.storage import get_store
        return get_store(self.select.value)

    @staticmethod
    def running(store, model):
        from app.download.manager import Download
        return Download.find(store.kind, model.id)

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
        self._unsubscribe = [models.subscribe(lambda _t: self.refresh(), STORED, DOWNLOADS),
                             models.subscribe(lambda _t: self.follow_engine(), ENGINE),
                             models.subscribe(lambda _t: self.follow_default(), DEFAULT)]
        self.refresh()
        built = [m for m in catalog.models if m.extra.get("build")]
        if built:
            self.spawn(self.ask_served(built))

    def follow_engine(self):
        """A model loaded or unloaded (here, from the chat, at boot): redraw the rows' "In use".
        Loading progress ticks change nothing here and redraw nothing."""
        if models.loaded_from() != self._loaded_from:
            self.refresh()

    def follow_default(self):
        """The default store changed (here or in the storage panel): show that one."""
        if models.default_store is not None and self.select.value != models.default_store:
            self.select.value = models.default_store
            self.refresh()

    def refresh(self):
        store = self.store()
        self._loaded_from = models.loaded_from()
        for row in self.rows:
            row.render(store)

    async def store_changed(self):
        from app.storage.registry import set_default_kind
        try:
            await set_default_kind(self.select.value)
        except Exception as exc:
            js.console.warn(f"could not remember the store choice: {exc!r}")
        self.refresh()


_panel = None


def render_downloads_panel(container=None):
    """Render the section now; load the catalog and store state in the background."""
    global _panel
    _panel = DownloadsPanel(container or feature_area("models", "downloads"))
    _panel.render()
    _panel.spawn(_panel.load())
    return _panel
