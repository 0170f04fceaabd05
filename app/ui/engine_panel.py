"""Models panel, engine section: what runs the assistant (engine, model, backend, threads,
context) and the action that loads the embedded model. Renders into its own area of the models panel."""
from app.compat import create_proxy
from app.ui.dom import clear, h
from app.ui.shell import feature_area

BACKEND_LABELS = {"webgpu": "WebGPU (GPU)", "wasm": "WebAssembly (CPU)"}


class EnginePanel:
    def __init__(self, container, active, locate_embedded):
        """`active`: app.engines.active.ActiveEngine; `locate_embedded(on_progress)`: coroutine
        giving (catalog entry, Store holding it) for the embedded default model."""
        self.active = active
        self.locate_embedded = locate_embedded
        self.details = h("dl", class_="engine-details")
        self.notes = h("ul", class_="engine-notes")
        self.progress = h("progress", max="1", value="0", aria_label="Model loading progress",
                          hidden=True)
        self.status = h("p", "No model loaded.", role="status", class_="engine-status")
        self.error = h("p", role="alert", class_="engine-error")
        self.button = h("button", "Load embedded model", type="button")
        self._on_click = create_proxy(self.load_embedded)   # kept alive with the panel
        self.button.addEventListener("click", self._on_click)
        self.section = h("section", h("h3", "Engine", id="engine-heading"),
                         self.details, self.notes, self.progress, self.status, self.error,
                         self.button, class_="engine-panel", aria_labelledby="engine-heading")
        container.append(self.section)
        active.subscribe(lambda _engine: self.show_info())
        self.show_info()

    def show_info(self):
        engine = self.active.engine
        info = engine.info() if engine is not None and engine.loaded else None
        rows = [("Engine", info.engine if info else "none"),
                ("Model", (info.model or "?") if info else "none")]
        if info:
            rows += [("Backend", BACKEND_LABELS.get(info.backend, info.backend)),
                     ("Threads", str(info.threads)),
                     ("Context", f"{info.context_size} tokens")]
            if info.runs_on:
                rows.append(("Runs on", info.runs_on))      # what, and why (hardware.runs_on)
        clear(self.details).append(*[el for term, value in rows
                                     for el in (h("dt", term), h("dd", value))])
        clear(self.notes).append(*[h("li", note) for note in (info.notes if info else [])])

    def on_progress(self, fraction, text):
        self.progress.hidden = False
        self.progress.value = max(0.0, min(1.0, float(fraction)))
        self.status.textContent = text

    async def load_embedded(self, _event=None):
        self.button.disabled = True
        self.error.textContent = ""
        self.on_progress(0, "Looking for the embedded model…")
        try:
            model, store = await self.locate_embedded(self.on_progress)
            await self.active.load(model, store, self.on_progress)
            self.status.textContent = f"{model.get('name', model['id'])} is ready."
        except Exception as exc:  # noqa: BLE001 - any failure is shown, the app keeps running
            self.status.textContent = "No model loaded."
            self.error.textContent = f"Could not load the model: {exc}"
        finally:
            self.progress.hidden = True
            self.button.disabled = False
            self.show_info()


def render_engine_panel(active, locate_embedded, container=None):
    return EnginePanel(container or feature_area("models", "engine"), active, locate_embedded)
