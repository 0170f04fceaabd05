"""Models panel, web-llm section: the prebuilt models this GPU can run, with VRAM and an
estimated download size, which of them web-llm has cached, which one the engine has loaded
(from the models state, app.models_state) and deleting a cached one.
The list is built on demand (importing web-llm is 6.8 MB of JS: never at boot)."""
from app.compat import create_proxy
from app.models_state import ENGINE, LOADED, LOADING, models
from app.ui.dom import clear, h

MiB = 1 << 20


def _size(nbytes):
    if not nbytes:
        return "unknown"
    return f"≈ {nbytes / (1 << 30):.1f} GiB" if nbytes >= 1 << 30 else f"≈ {nbytes / MiB:,.0f} MiB"


class WebLlmPanel:
    def __init__(self, container):
        self.body = h("div", class_="webllm-models")
        self.status = h("p", role="status", class_="engine-status")
        self.button = h("button", "Show web-llm models", type="button")
        self._proxies = [create_proxy(self.show)]
        self.button.addEventListener("click", self._proxies[0])
        self.section = h("section", h("h3", "web-llm models", id="webllm-heading"),
                         self.button, self.status, self.body, class_="webllm-panel",
                         aria_labelledby="webllm-heading")
        container.append(self.section)
        self._engine_cells = {}      # model id -> the cell saying whether the engine has it
        self._unsubscribe = models.subscribe(lambda _t: self.show_engine(), ENGINE)

    def show_engine(self):
        e = models.engine
        current = None
        if e.model and e.model.get("engine") == "web-llm":     # web-llm's id for it
            current = (e.info.model if e.status == LOADED and e.info else None) or \
                (e.model.get("webllm") or {}).get("model_id") or e.model.get("id")
        for model_id, cell in self._engine_cells.items():
            cell.textContent = ("loaded" if e.status == LOADED else "loading…"
                                if e.status == LOADING else "") if model_id == current else ""

    async def show(self, _event=None):
        from app.engines import hardware
        from app.engines.webllm import WebLlmEngine, prebuilt_records
        from app.engines.webllm_models import choices
        self.status.textContent = "Reading web-llm's model list…"
        try:
            hw = await hardware.probe()
            records = {r["model_id"]: r for r in await prebuilt_records()}
            usable = choices(records.values(), hw.features)
            engine = WebLlmEngine()
            rows = []
            self._engine_cells = {}
            for choice in usable:
                cached = await engine.is_cached(records[choice.model_id])
                delete = None
                if cached:
                    delete = h("button", "Delete", type="button",
                               aria_label=f"Delete {choice.model_id} from web-llm's cache")
                    proxy = create_proxy(self._deleter(engine, records[choice.model_id]))
                    self._proxies.append(proxy)
                    delete.addEventListener("click", proxy)
                engine_cell = self._engine_cells[choice.model_id] = h("td")
                rows.append(h("tr", h("th", choice.model_id, scope="row"),
                              h("td", f"{choice.vram_mb:,.0f} MiB"),
                              h("td", _size(choice.size_estimate)),
                              h("td", "cached" if cached else "not downloaded", delete),
                              engine_cell))
            table = h("table",
                      h("caption", "Models this GPU can run"
                            + ("" if hw.shader_f16 else " (no shader-f16: f32 builds only)")),
                      h("thead", h("tr", *[h("th", t, scope="col") for t in
                                           ("Model", "VRAM", "Download", "Cache", "Engine")])),
                      h("tbody", rows))
            clear(self.body).append(table)
            self.show_engine()
            self.status.textContent = f"{len(usable)} of {len(records)} prebuilt models fit this GPU."
        except Exception as exc:  # noqa: BLE001 - shown, never fatal
            self.status.textContent = f"Could not read the web-llm model list: {exc}"

    def _deleter(self, engine, record):
        async def delete(_event=None):
            await engine.delete_cached(record)
            await self.show()
        return delete


def render_webllm_panel(container):
    return WebLlmPanel(container)
