"""Chat: time to first token and decode tokens/s of the embedded model (SmolLM2-135M Q4_1
on wllama), through the Python engine next to the same calls in plain JS, in one page; then,
where `build.py convert` has made it, the same model converted for MediaPipe (WebGPU), same
prompt, greedy, through the MediaPipe engine (`BENCH_CHAT_ENGINES=wllama` skips it).

Both sides load the same Blob with the same parameters (backend and threads from the
engine's own plan), run the same greedy request with prompt caching off, and time the same
points: call -> first text delta, first -> last delta. Runs alternate Python/JS (and which
goes first) so machine noise hits both alike; one warm-up each is discarded.
"""
import json
import os

from playwright.sync_api import sync_playwright

from tools import site
from tools.bench.report import Result, Target, environment, summary
from tools.browser import launch
from tools.devserver import serve_in_thread

MAX_TOKENS = 64
TARGET_DECODE = 0.95      # Python decode tok/s at least 0.95x of plain JS
TARGET_TTFT = 1.05        # Python first token at most 1.05x of plain JS
READY = "html[data-app-state=ready], html[data-app-state=error]"

TODOS = ["Buy milk", "Call the dentist", "Finish the quarterly report",
         "Water the plants", "Book train tickets for Friday"]
MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant for a to-do list app. "
                                  "The user has 5 open to-dos: " + "; ".join(TODOS) + "."},
    {"role": "user", "content": "Which of my to-dos should I do first today, and why?"},
]

SETUP_PY = """
from app.compat import js
from app.engines.base import GenerationOptions
from app.download.catalog import load_catalog, store_key
from app.engines.wllama import WllamaEngine, plan
from app.engines import hardware
from app.storage.base import NotFound, Store

class _BlobStore(Store):   # the bench measures chat, not storage: keep the Blob in memory
    kind, label, read_only = "memory", "memory (bench)", True
    def __init__(self, blobs): self.blobs = blobs
    async def begin(self, *a, **k): raise NotImplementedError
    async def read(self, key):
        if key not in self.blobs: raise NotFound(key)
        return self.blobs[key]
    async def stream(self, key): return (await self.read(key)).stream()
    async def info(self, key): return None
    async def list(self): return []
    async def partials(self): return []
    async def delete(self, key): pass

model = (await load_catalog()).default_model().as_dict()
gguf = model["files"][0]
blob = await (await js.fetch(gguf["url"])).blob()
js.window.benchBlob = blob
engine = WllamaEngine()
await engine.load(model, _BlobStore({store_key(model["id"], gguf["name"]): blob}))
chosen = plan(await hardware.probe())
info = engine.info()
{"backend": info.backend, "threads": info.threads, "context": info.context_size,
 "gpu_layers": chosen.gpu_layers}
"""

CHAT_PY = """
options = GenerationOptions(max_tokens=%d, temperature=0, top_k=40, top_p=0.95,
                            extra={"cache_prompt": False})
start = js.performance.now()
first = last = None
tokens, text = 0, []
async for delta in engine.chat(%r, options):
    last = js.performance.now()
    if first is None:
        first = last
    tokens += 1
    text.append(delta)
{"ttft_ms": first - start, "decode_tps": (tokens - 1) * 1000 / (last - first),
 "tokens": tokens, "text": "".join(text)}
"""

SETUP_JS = """async ({nCtx, threads, gpuLayers}) => {
  window.benchJs = await import("./js/bench-wllama-chat.js");
  window.benchWllama = await benchJs.load(window.benchBlob, {nCtx, threads, gpuLayers});
  return benchWllama.getNumThreads();
}"""

CHAT_JS = """([messages, maxTokens]) => benchJs.chat(benchWllama, messages,
    {maxTokens, temperature: 0, topK: 40, topP: 0.95})"""


# The converted model in MediaPipe after wllama is unloaded (one runtime at a time). MediaPipe
# fixes sampling at load: top-k 1 is greedy.
SETUP_MEDIAPIPE_PY = """
from app.engines.mediapipe import MediaPipeEngine
await engine.unload()
model = (await load_catalog()).get(%r).as_dict()
task = model["files"][0]
blob = await (await js.fetch(task["url"])).blob()
engine = MediaPipeEngine(sampling=GenerationOptions(top_k=1, temperature=0.0))
start = js.performance.now()
await engine.load(model, _BlobStore({store_key(model["id"], task["name"]): blob}))
info = engine.info()
{"load_ms": js.performance.now() - start, "backend": info.backend, "notes": info.notes,
 "context": info.context_size}
"""


def converted_mediapipe_model():
    """The catalog id of the converted MediaPipe model when its file is built, else None."""
    if "mediapipe" not in os.environ.get("BENCH_CHAT_ENGINES", "wllama,mediapipe").split(","):
        return None
    catalog = json.loads((site.ROOT / "models" / "catalog.json").read_text())
    for m in catalog["models"]:
        if m.get("engine") == "mediapipe" and "build" in m \
                and (site.ROOT / m["files"][0]["url"]).exists():
            return m["id"]
    return None


def _run_python(page):
    return page.evaluate("code => appPython(code)", CHAT_PY % (MAX_TOKENS, MESSAGES))


def _run_js(page):
    return page.evaluate(CHAT_JS, [MESSAGES, MAX_TOKENS])


def run(runs=5):
    server, base = serve_in_thread(site.SITE)
    samples = {"python ttft ms": [], "js ttft ms": [], "python decode tok/s": [],
               "js decode tok/s": []}
    try:
        with sync_playwright() as p:
            browser = launch(p)
            version = browser.version
            page = browser.new_page()
            page.goto(base + "/")
            page.wait_for_selector(READY, timeout=120_000, state="attached")
            if page.evaluate("document.documentElement.dataset.appState") != "ready":
                raise RuntimeError(f"the app failed to boot: {page.inner_text('body')[:300]}")
            setup = page.evaluate("code => appPython(code)", SETUP_PY)
            js_threads = page.evaluate(SETUP_JS, {"nCtx": setup["context"],
                                                  "threads": setup["threads"],
                                                  "gpuLayers": setup["gpu_layers"]})
            warm_py, warm_js = _run_python(page), _run_js(page)
            if warm_py["text"] != warm_js["text"]:
                print("  note: Python and JS replies differ (they should be identical)")
            for i in range(runs):
                order = [("python", _run_python), ("js", _run_js)]
                for side, fn in (order if i % 2 == 0 else order[::-1]):
                    r = fn(page)
                    samples[f"{side} ttft ms"].append(r["ttft_ms"])
                    samples[f"{side} decode tok/s"].append(r["decode_tps"])
                    print(f"  run {i + 1}/{runs} {side}: first token {r['ttft_ms']:.0f} ms, "
                          f"decode {r['decode_tps']:.1f} tok/s ({r['tokens']} tokens)", flush=True)
            mediapipe = converted_mediapipe_model()
            if mediapipe:
                mp_setup = page.evaluate("code => appPython(code)", SETUP_MEDIAPIPE_PY % mediapipe)
                print(f"  mediapipe: {mediapipe} loaded in {mp_setup['load_ms']:.0f} ms "
                      f"({mp_setup['backend']}; {'; '.join(mp_setup['notes'])})", flush=True)
                samples.update({"mediapipe ttft ms": [], "mediapipe decode tok/s": []})
                warm_mp = _run_python(page)
                for i in range(runs):
                    r = _run_python(page)
                    samples["mediapipe ttft ms"].append(r["ttft_ms"])
                    samples["mediapipe decode tok/s"].append(r["decode_tps"])
                    print(f"  run {i + 1}/{runs} mediapipe: first token {r['ttft_ms']:.0f} ms, "
                          f"decode {r['decode_tps']:.1f} tok/s ({r['tokens']} tokens)", flush=True)
            browser.close()
    finally:
        server.shutdown()
    stats = {name: summary(v) for name, v in samples.items()}
    med = {name: s["median"] for name, s in stats.items()}
    decode_ratio = med["python decode tok/s"] / med["js decode tok/s"]
    ttft_ratio = med["python ttft ms"] / med["js ttft ms"]
    rows = [[name, s["median"], s["min"], s["max"], s["n"]] for name, s in stats.items()]
    rows += [["decode python/js (median)", decode_ratio, "", "", ""],
             ["first token python/js (median)", ttft_ratio, "", "", ""]]
    return Result(
        suite="chat",
        columns=["SmolLM2-135M (wllama: embedded Q4_1; mediapipe: converted)", "median", "min",
                 "max", "runs"],
        rows=rows,
        samples=samples,
        targets=[
            Target("decode tok/s, Python engine / plain JS", round(decode_ratio, 3), "x",
                   f">= {TARGET_DECODE}", decode_ratio >= TARGET_DECODE),
            Target("time to first token, Python engine / plain JS", round(ttft_ratio, 3), "x",
                   f"<= {TARGET_TTFT}", ttft_ratio <= TARGET_TTFT),
        ],
        environment={**environment(version), "backend": setup["backend"],
                     "threads": setup["threads"], "js_threads": js_threads,
                     "context": setup["context"], "max_tokens": MAX_TOKENS,
                     "prompt": MESSAGES,
                     "mediapipe": ({"model": mediapipe, **mp_setup,
                                    "warm_up_reply": warm_mp["text"]} if mediapipe else None)},
        notes=[f"backend {setup['backend']}, {setup['threads']} threads (JS baseline: "
               f"{js_threads}), n_ctx {setup['context']}, greedy, {MAX_TOKENS} max tokens, "
               "prompt cache off"],
    )
