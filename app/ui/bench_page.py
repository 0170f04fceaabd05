"""The storage benchmark page (bench.html): start, progress, results table, a bar chart drawn
as SVG, JSON export and "use the fastest store" (sets the app's default store)."""
import asyncio
import json

from app.compat import create_proxy, js, to_js
from app.ui.dom import append, by_id, clear, h

SVG = "http://www.w3.org/2000/svg"
COLORS = {"store": "#1f6f5c", "restore": "#d08c2f"}
SIZES = (16, 64, 256, 1024)


def svg(tag, *children, **attrs):
    el = js.document.createElementNS(SVG, tag)
    for name, value in attrs.items():
        el.setAttribute(name.rstrip("_").replace("_", "-"), str(value))
    for child in children:
        if isinstance(child, str):
            el.appendChild(js.document.createTextNode(child))
        elif child is not None:
            el.appendChild(child)
    return el


def chart(report):
    """Bars of MB/s per path at the largest size, store and restore side by side."""
    size = report["ratio_size_mib"]
    rows = [r for r in report["results"] if r["size_mib"] == size]
    top = max([r[d]["mb_s"] or 0 for r in rows for d in ("store", "restore")] + [1])
    bar_w, gap, height, left, bottom = 18, 22, 220, 48, 60
    width = left + len(rows) * (2 * bar_w + gap) + gap
    root = svg("svg", svg("title", f"Store and restore throughput, {size} MiB (MB/s)"),
               id="bench-chart", role="img", width=width, height=height + bottom + 20,
               viewBox=f"0 0 {width} {height + bottom + 20}",
               aria_label=f"Throughput chart, {size} MiB")
    for frac in (0, 0.5, 1):
        y = 10 + height * (1 - frac)
        root.append(svg("line", x1=left, x2=width, y1=y, y2=y, stroke="#ccc"),
                    svg("text", f"{top * frac:,.0f}", x=left - 4, y=y + 4, text_anchor="end",
                        font_size=10))
    for i, r in enumerate(rows):
        x = left + gap + i * (2 * bar_w + gap)
        for j, d in enumerate(("store", "restore")):
            value = r[d]["mb_s"] or 0
            bar_h = height * value / top
            root.append(svg("rect", svg("title", f"{r['path']} {d}: {value:,.0f} MB/s"),
                            x=x + j * bar_w, y=10 + height - bar_h, width=bar_w - 2,
                            height=max(bar_h, 0.5), fill=COLORS[d],
                            opacity=0.35 if r["flags"] else 1))
        root.append(svg("text", r["path"] + (" (!)" if r["flags"] else ""), x=x + bar_w,
                        y=height + 26, text_anchor="middle", font_size=10))
    for j, d in enumerate(("store", "restore")):
        root.append(svg("rect", x=left + j * 90, y=height + bottom, width=10, height=10,
                        fill=COLORS[d]),
                    svg("text", d, x=left + j * 90 + 14, y=height + bottom + 9, font_size=11))
    return root


def _fmt(v, digits=1):
    return "" if v is None else f"{v:,.{digits}f}"


def table(report):
    head = h("tr", *[h("th", c, scope="col") for c in (
        "path", "MiB", "store median ms", "min", "max", "MB/s",
        "restore median ms", "min", "max", "MB/s", "notes")])
    body = []
    for r in report["results"]:
        s, t = r["store"], r["restore"]
        body.append(h("tr", h("th", r["path"], scope="row"), h("td", str(r["size_mib"])),
                       h("td", _fmt(s["median"])), h("td", _fmt(s["min"])), h("td", _fmt(s["max"])),
                       h("td", _fmt(s["mb_s"], 0)), h("td", _fmt(t["median"])),
                       h("td", _fmt(t["min"])), h("td", _fmt(t["max"])), h("td", _fmt(t["mb_s"], 0)),
                       h("td", "; ".join(r["flags"])),
                       class_="flagged" if r["flags"] else None))
    return h("table", h("caption", "Results (median of the runs after warm-up)"),
             h("thead", head), h("tbody", body), id="bench-table")


def engine_table(engine):
    """Restore to engine ready, per store, next to the same load from a Blob in memory."""
    rows = engine.get("results") or []
    base = next((r["ready"]["median"] for r in rows
                 if r["path"] == "memory" and not r["flags"]), None)
    head = h("tr", *[h("th", c, scope="col") for c in (
        "from", "ready median ms", "min", "max", "vs memory ms", "notes")])
    body = []
    for r in rows:
        t = r["ready"]
        extra = t["median"] - base if base is not None and t["median"] is not None \
            and r["path"] != "memory" else None
        body.append(h("tr", h("th", r["path"], scope="row"), h("td", _fmt(t["median"])),
                       h("td", _fmt(t["min"])), h("td", _fmt(t["max"])),
                       h("td", "" if extra is None else f"{extra:+,.0f}"),
                       h("td", "; ".join(r["flags"])),
                       class_="flagged" if r["flags"] else None))
    setup = f"{engine.get('model')} in {engine.get('engine')}"
    if engine.get("backend"):
        setup += f", {engine['backend']}, {engine.get('threads')} threads"
    caption = f"Restore to engine ready ({setup})"
    if engine.get("error"):
        caption += f": failed: {engine['error']}"
    return h("table", h("caption", caption), h("thead", head), h("tbody", body),
             id="bench-engine-table")


class BenchPage:
    def __init__(self, root):
        self.root = root
        self.report = None
        self.sizes = {s: h("input", type="checkbox", value=str(s), checked=s != 1024,
                           id=f"size-{s}") for s in SIZES}
        self.reps = h("input", type="number", min="1", max="20", value="5", id="reps")
        self.engine = h("input", type="checkbox", checked=True, id="engine-ready")
        self.start_button = h("button", "Start benchmark", type="button")
        self.progress = h("progress", max="1", value="0", aria_label="Benchmark progress")
        self.status = h("p", "Ready.", role="status")
        self.results = h("div", id="bench-results")
        self.export = h("a", "Export JSON", download="storage-bench.json", hidden=True)
        self.use_fastest = h("button", "Use the fastest store", type="button", disabled=True)
        self._proxies = [create_proxy(lambda e: self._spawn(self.start())),
                         create_proxy(lambda e: self._spawn(self.apply_fastest()))]
        self.start_button.addEventListener("click", self._proxies[0])
        self.use_fastest.addEventListener("click", self._proxies[1])
        self._tasks = set()

    def render(self):
        clear(self.root).append(
            h("header", h("h1", "Storage benchmark"),
              h("p", h("a", "Back to the app", href="./"), class_="bench-nav"), class_="app-header"),
            h("main",
              h("p", "Stores and restores random data in every store, from Python and with the "
                     "plain JavaScript of the Chrome guide, on this device."),
              h("fieldset", h("legend", "Sizes"), *[
                  h("label", self.sizes[s], f" {s} MiB" if s < 1024 else " 1 GiB")
                  for s in SIZES]),
              h("p", h("label", "Runs per measurement ", self.reps, for_="reps")),
              h("p", h("label", self.engine, " Also time restore to engine ready (the "
                                             "embedded SmolLM2 model loaded in wllama)")),
              h("p", self.start_button, " ", self.use_fastest, " ", self.export),
              self.progress, self.status, self.results, class_="bench-main"))
        js.document.documentElement.dataset.appState = "ready"

    def _spawn(self, coro):
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _progress(self, done, total, text):
        self.progress.max, self.progress.value = total, done
        self.status.textContent = f"Running {text} ({done}/{total})…" if done < total else "Done."

    async def start(self, sizes=None, reps=None, warmup=1, engine=None):
        """engine: the paths to time restore-to-engine-ready for (None: the checkbox says)."""
        from app import bench
        sizes = sizes or [s for s, box in self.sizes.items() if box.checked]
        reps = reps or max(1, int(self.reps.value or 5))
        if engine is None:
            engine = bench.ENGINE_PATHS if self.engine.checked else ()
        self.start_button.disabled = True
        self.root.dataset.benchState = "running"
        try:
            self.report = await bench.run(sizes, reps, warmup, engine=tuple(engine),
                                          progress=self._progress)
            self.show(self.report)
        except Exception as exc:
            self.status.textContent = f"The benchmark failed: {exc}"
        finally:
            self.start_button.disabled = False
            self.root.dataset.benchState = "done"
        return self.report

    def show(self, report):
        js.window.benchReport = json.dumps(report)
        ratio_items = [h("li", f"{kind}: store {r.get('store', 0):.2f}x, restore "
                               f"{r.get('restore', 0):.2f}x of plain JS")
                       for kind, r in report["ratios"].items()]
        engine = report.get("engine")
        append(
            clear(self.results), table(report),
            h("h2", f"Throughput at {report['ratio_size_mib']} MiB"), chart(report),
            h("h2", "Python vs plain JavaScript"), h("ul", ratio_items or [h("li", "n/a")]),
            h("p", f"Fastest store here: {report['fastest'] or 'none'}", id="bench-fastest"),
            [h("h2", "Restore to engine ready"), engine_table(engine)] if engine else None)
        blob = js.Blob.new(to_js([json.dumps(report, indent=2)]))
        self.export.href = js.URL.createObjectURL(blob)
        self.export.hidden = False
        self.use_fastest.disabled = report["fastest"] is None

    async def apply_fastest(self):
        from app.storage.registry import get_store, set_default_kind
        kind = self.report and self.report["fastest"]
        if kind:
            await set_default_kind(kind)
            self.status.textContent = f"New models will be saved in {get_store(kind).label}."


page = None


async def start():
    global page
    from app import devhooks
    devhooks.install()
    page = BenchPage(by_id("app"))
    page.render()
