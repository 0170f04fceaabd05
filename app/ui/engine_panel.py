"""Models panel, engine section: what runs the assistant (engine, model, backend, threads,
context, the store it came from), loading progress, and the actions that load the embedded
model and unload it. Renders into its own area of the models panel.

Everything it shows comes from the models state (app.models_state): a load started from the
chat shows here too, and a model deleted from its store is shown as still loaded (it is, in
memory) but no longer stored."""
from app.models_state import ENGINE, LOADED, LOADING, STORED, models
from app.ui.dom import clear, h
from app.ui.events import on, spawn
from app.ui.shell import feature_area

BACKEND_LABELS = {"webgpu": "WebGPU (GPU)", "wasm": "WebAssembly (CPU)"}


class EnginePanel:
    def __init__(self, container, active, load_embedded, state=models):
        """`active`: app.engines.active.ActiveEngine, which publishes into `state`;
        `load_embedded()`: loads the built-in model into it (app.ui.panels.load_embedded)."""
        self.active, self.load, self.state = active, load_embedded, state
        self.details = h("dl", class_="engine-details")
        self.notes = h("ul", class_="engine-notes")
        self.progress = h("progress", max="1", value="0", aria_label="Model loading progress",
                          hidden=True)
        self.status = h("p", "No model loaded.", role="status", class_="engine-status")
        self.error = h("p", role="alert", class_="engine-error")
        self.button = h("button", "Load embedded model", type="button")
        self.unload_button = h("button", "Unload the model", type="button", hidden=True)
        self._proxies = [on(self.button, "click", self.load_embedded),
                         on(self.unload_button, "click", self.unload)]
        self.section = h("section", h("h3", "Engine", id="engine-heading"),
                         self.details, self.notes, self.progress, self.status, self.error,
                         self.button, self.unload_button, class_="engine-panel",
                         aria_labelledby="engine-heading")
        container.append(self.section)
        self._unsubscribe = state.subscribe(lambda _t: self.show_info(), ENGINE, STORED)
        self.show_info()

    def show_info(self):
        e = self.state.engine
        info = e.info if e.status == LOADED else None
        rows = [("Engine", info.engine if info else "none"),
                ("Model", (info.model or e.model_name or "?") if info else "none")]
        if info:
            rows += [("Backend", BACKEND_LABELS.get(info.backend, info.backend)),
                     ("Threads", str(info.threads)),
                     ("Context", f"{info.context_size} tokens"),
                     ("Stored in", self._source(e))]
            if info.runs_on:
                rows.append(("Runs on", info.runs_on))      # what, and why (hardware.runs_on)
        clear(self.details).append(*[el for term, value in rows
                                     for el in (h("dt", term), h("dd", value))])
        clear(self.notes).append(*[h("li", note) for note in (info.notes if info else [])])
        self.progress.hidden = e.status != LOADING
        if e.status == LOADING:
            self.progress.value = e.fraction
            what = e.model_name or "the model"
            self.status.textContent = f"Loading {what}… {e.text}".rstrip()
        elif e.status == LOADED:
            self.status.textContent = f"{e.model_name} is ready."
        else:
            self.status.textContent = "No model loaded."
        self.error.textContent = f"Could not load the model: {e.error}" if e.error else ""
        self.button.disabled = e.status == LOADING
        # Offered while something else (or nothing) is loaded: loading it again does nothing.
        self.button.hidden = e.status == LOADED and bool((e.model or {}).get("embedded"))
        self.unload_button.hidden = e.status != LOADED

    def _source(self, e):
        from app.storage.registry import get_store
        try:
            label = get_store(e.store).label
        except KeyError:              # not from one of our stores (web-llm keeps its own)
            return "—"
        if self.state.listing(e.store).read and not self.state.loaded_still_stored():
            return f"{label} (deleted there since; it stays loaded until unloaded)"
        return label

    def load_embedded(self, _event=None):
        spawn(self.load(), lambda _msg: None)

    def unload(self, _event=None):
        spawn(self.active.unload(), lambda msg: setattr(self.error, "textContent", msg))


def render_engine_panel(active, load_embedded, container=None):
    return EnginePanel(container or feature_area("models", "engine"), active, load_embedded)
