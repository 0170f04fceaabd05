#!/usr/bin/env python3
"""The app's own LLM engines in headless Chromium on a real GPU (or locally on SwiftShader).

Chromium is driven over --remote-debugging-pipe with Runtime.evaluate only (the project's
tools/cdp.py, with our binary, environment and a stderr log); the site is served by the
project's tools/devserver.py (COOP/COEP, ranges, CSP). Python runs inside the page through
window.appPython, exactly as tools/bench/chat.py does (its code and prompt are read from
chat_constants.json, extracted from chat.py by extract_chat.py).

usage: appbench.py PHASE...   phases: probe boot chat other mediapipe warmboot
env: W (work dir: chromium/ libs/ fonts/ site/ proj/), OUT, CONFIG (gpu_f16 | gpu_nof16 | local),
     RUNS (3), MAX_TOKENS (64), PROBE_CONFIGS (comma list: extra configs probed with a bare page)
"""
import dataclasses, fcntl, glob, json, os, shutil, statistics, subprocess, sys, threading, time

W = os.environ.get("W", "/tmp/w")
OUT = os.environ.get("OUT", os.path.join(W, "out"))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(W, "proj"))
from tools import cdp                                  # noqa: E402  (the project's copies)
from tools.browser import LAUNCH_ARGS                  # noqa: E402
from tools.devserver import serve_in_thread            # noqa: E402

CHROME = os.environ.get("CHROME", os.path.join(W, "chromium", "chromium-headless-shell"))
SITE = os.path.join(W, "site")
LOGS = os.path.join(OUT, "logs")
os.makedirs(LOGS, exist_ok=True)
RUNS = int(os.environ.get("RUNS", "3"))
C = json.load(open(os.path.join(HERE, "chat_constants.json")))
MAX_TOKENS = int(os.environ.get("MAX_TOKENS", C["MAX_TOKENS"]))
T0 = time.time()
RESULTS_PATH = os.path.join(OUT, "appbench.json")
R = json.load(open(RESULTS_PATH)) if os.path.exists(RESULTS_PATH) else {}


def say(*a):
    print(f"[{time.time() - T0:7.1f}s]", *a, flush=True)


def save():
    json.dump(R, open(RESULTS_PATH, "w"), indent=1, default=str)


# ---------------------------------------------------------------- Chromium configurations
def nvidia_icd():
    for p in [os.environ.get("NV_ICD", ""), "/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json",
              "/usr/share/vulkan/icd.d/nvidia_icd.json", "/etc/vulkan/icd.d/nvidia_icd.json",
              *glob.glob("/usr/local/nvidia/**/nvidia_icd*.json", recursive=True)]:
        if p and os.path.exists(p):
            return p
    return None


ICD = nvidia_icd()
NV_ENV = {"VK_ICD_FILENAMES": ICD, "VK_DRIVER_FILES": ICD} if ICD else {}
F16 = "--enable-dawn-features=vulkan_enable_f16_on_nvidia"
GPU = ["--enable-features=Vulkan", "--use-angle=vulkan", "--disable-vulkan-surface",
       "--disable-gpu-sandbox", "--ignore-gpu-blocklist", "--disable-dawn-features=adapter_blocklist"]
CONFIGS = {                        # name -> (extra flags, extra environment)
    "gpu_f16": (GPU + [F16], NV_ENV),   # the H100 anchor's working recipe
    "gpu_nof16": (GPU, NV_ENV),         # the same without Dawn's f16-on-NVIDIA switch
    # fallbacks, only used if the first fails: no ANGLE-on-Vulkan; no Vulkan switches at all
    "gpu_f16_noangle": (["--enable-features=Vulkan", "--disable-vulkan-surface", "--disable-gpu-sandbox",
                         "--ignore-gpu-blocklist", F16], NV_ENV),
    "gpu_f16_bare": (["--ignore-gpu-blocklist", F16], NV_ENV),
    "local": ([], {}),                  # this CPU machine: WebGPU on SwiftShader, as the tests
}
CHOSEN_PATH = os.path.join(W, "chosen_config")
CONFIG = os.environ.get("CONFIG", "gpu_f16" if ICD else "local")
if CONFIG == "auto":   # what an earlier probe chose (stage 2), else the anchor's recipe
    CONFIG = open(CHOSEN_PATH).read().strip() if os.path.exists(CHOSEN_PATH) else ("gpu_f16" if ICD else "local")
BASE = [*cdp.BENCH_ARGS, *LAUNCH_ARGS, "--enable-logging=stderr", "--v=0", "--mute-audio",
        "--disable-breakpad", "--disable-extensions", "--disable-default-apps"]
NLAUNCH = [0]


def chrome_env(extra):
    env = os.environ.copy()
    env.update({k: v for k, v in extra.items() if v})
    env["HOME"] = os.path.join(W, "home")
    os.makedirs(env["HOME"], exist_ok=True)
    if os.environ.get("CHROME_LDP"):
        env["LD_LIBRARY_PATH"] = os.environ["CHROME_LDP"]
    fonts = os.path.join(W, "fonts")
    if os.path.isdir(fonts):
        conf = os.path.join(fonts, "fonts.conf")
        with open(conf, "w") as f:
            f.write(f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<dir>{fonts}</dir><cachedir>{W}/fontcache</cachedir></fontconfig>')
        env["FONTCONFIG_FILE"] = conf
    return env


class Browser(cdp.Chromium):
    """tools/cdp.Chromium with our binary, flags, environment and a stderr log."""

    def __init__(self, config):
        flags, extra_env = CONFIGS[config]
        NLAUNCH[0] += 1
        self.tag = f"{NLAUNCH[0]}_{config}"
        ud = os.path.join(W, f"ud_{self.tag}")
        shutil.rmtree(ud, ignore_errors=True)
        self.args = [CHROME, *BASE, *flags, f"--user-data-dir={ud}", "--remote-debugging-pipe", "about:blank"]
        self.logpath = os.path.join(LOGS, f"chrome_{self.tag}.log")
        log = open(self.logpath, "w")
        log.write("ARGS " + " ".join(self.args) + "\nENV " + json.dumps(extra_env) + "\n")
        log.flush()
        to_chrome_r, self._out = os.pipe()
        self._in, from_chrome_w = os.pipe()
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)

        def wire():
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)
        self.proc = subprocess.Popen(self.args, env=chrome_env(extra_env), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, preexec_fn=wire,
                                     pass_fds=(3, 4, *high), start_new_session=True)
        for fd in high:
            os.close(fd)
        self._next, self._lock = 0, threading.Lock()
        self._waiting = {}
        threading.Thread(target=self._read, daemon=True).start()
        self.version = self.send("Browser.getVersion", timeout=60)["product"]

    def open(self, url):
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = cdp.Page(self, session["sessionId"])
        page.target = target
        return page

    def close_page(self, page):
        self.send("Target.closeTarget", {"targetId": page.target}, timeout=30)

    def quit(self):
        try:
            self.close()
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, 9)

    def log_lines(self, n=40):
        keep = ("vulkan", "dawn", "webgpu", "gpu", "angle", "error", "fatal", "crash", "nvidia")
        lines = [l.rstrip()[:300] for l in open(self.logpath, errors="replace")
                 if any(k in l.lower() for k in keep) and "dbus" not in l.lower()]
        return lines[-n:]


# ---------------------------------------------------------------- in-page helpers
PROBE_JS = """async () => {
  const out = {ua: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency,
               crossOriginIsolated: self.crossOriginIsolated, hasGPU: !!navigator.gpu};
  if (!navigator.gpu) return out;
  for (const [name, opts] of [["default", undefined], ["highPerformance", {powerPreference: "high-performance"}]]) {
    try {
      const a = await navigator.gpu.requestAdapter(opts);
      if (!a) { out[name] = null; continue; }
      const i = a.info || {};
      const L = a.limits;
      out[name] = {vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
        isFallbackAdapter: i.isFallbackAdapter ?? a.isFallbackAdapter, subgroupMinSize: i.subgroupMinSize,
        subgroupMaxSize: i.subgroupMaxSize, features: [...a.features].sort(),
        limits: {maxBufferSize: L.maxBufferSize, maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
                 maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
                 maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup}};
    } catch (e) { out[name] = {error: String(e)}; }
  }
  return out;
}"""

APP_VIEW_PY = """
import dataclasses, traceback
from app.engines import hardware
from app.engines.wllama import plan
try:
    _hw = await hardware.probe()
    _view = {"webgpu": _hw.webgpu, "shader_f16": _hw.shader_f16, "isolated": _hw.isolated, "cores": _hw.cores,
             "adapter": dict(_hw.adapter), "features": sorted(_hw.features),
             "wllama_plan": dataclasses.asdict(plan(_hw)), "wasm_threads": hardware.wasm_threads(_hw)}
except Exception as _e:   # e.g. requestAdapter() resolving to null (JsNull, not None)
    _view = {"probe_error": "".join(traceback.format_exception(_e))[-1200:]}
_view
"""


DEADLINE = float(os.environ.get("DEADLINE", "1e9"))   # seconds after start: no phase starts later,
                                                       # and no single call waits past it (+30 s)


def left(timeout):
    return max(10, min(timeout, DEADLINE + 30 - (time.time() - T0)))


def py(page, code, timeout=600):
    return page.call("code => appPython(code)", code, timeout=left(timeout))


def js(page, function, *args, timeout=600):
    return page.call(function, *args, timeout=left(timeout))


def now_ms(page):
    return page.evaluate("performance.now()")


def wait_boot(page, timeout=180):
    state = page.wait_for("document.documentElement.dataset.appState !== 'booting' && "
                          "document.documentElement.dataset.appState", timeout=timeout, every=0.05)
    return state


def boot(browser, base, label):
    t = time.time()
    page = browser.open(base + "/")
    state = wait_boot(page)
    wall_ready = time.time() - t
    out = {"state": state, "wall_ready_s": round(wall_ready, 2)}
    if state == "ready":
        try:
            out["features"] = page.wait_for("document.documentElement.dataset.features", timeout=120, every=0.05)
        except cdp.CdpError as e:
            out["features"] = f"not set: {e}"
        out["wall_features_s"] = round(time.time() - t, 2)
    out["marks_ms"] = page.evaluate("Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, Math.round(m.startTime)]))")
    out["nav"] = page.evaluate("(() => { const n = performance.getEntriesByType('navigation')[0]; return n && "
                               "{domContentLoaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd)}; })()")
    out["service_worker"] = page.evaluate("document.documentElement.dataset.serviceWorker || null")
    if state != "ready":
        out["body"] = page.evaluate("document.body.innerText.slice(0, 1500)")
    say(f"boot {label}: {json.dumps(out)[:600]}")
    return page, out


def med(v):
    v = [x for x in v if x is not None]
    return round(statistics.median(v), 2) if v else None


# ---------------------------------------------------------------- wllama: Python engine vs plain JS
LAST_REPLY_PY = "import dataclasses\ndataclasses.asdict(engine.last_reply)"


def setup_code(forced):
    """chat.py's SETUP_PY; with `forced` (Hardware constructor source) the engine gets that
    fixed Hardware (WllamaEngine(hw=...), its constructor's hook for tests and benchmarks)."""
    code = C["SETUP_PY"]
    a, b = "await engine.load(", "chosen = plan(await hardware.probe())"
    assert a in code and b in code and "engine = WllamaEngine()" in code
    code = code.replace(a, "_t_load = js.performance.now()\n" + a, 1)
    code = code.replace(b, "load_ms = js.performance.now() - _t_load\n" + b, 1)
    if forced:
        code = code.replace("engine = WllamaEngine()", "engine = WllamaEngine(hw=FORCED_HW)", 1)
        code = code.replace(b, "chosen = plan(FORCED_HW)", 1)
        code = f"from app.engines.hardware import Hardware\nFORCED_HW = {forced}\n" + code
    return code


# A longer prompt of the same shape as chat.py's (its system text, 40 to-dos instead of 5): how
# the backends compare when the prompt, not the reply, dominates.
LONG_TODOS = C["TODOS"] + [
    "Pay the electricity bill", "Email Sarah about the offsite", "Renew the car insurance",
    "Pick up the dry cleaning", "Schedule the team retrospective", "Fix the leaking kitchen tap",
    "Buy a birthday present for Tom", "Review the pull request from Ana", "Cancel the gym membership",
    "Back up the laptop", "Order printer ink", "Prepare slides for Monday's meeting",
    "Return the library books", "Book a haircut", "Update the project budget spreadsheet",
    "Call the landlord about the heating", "Plan the weekend hike", "Clean out the garage",
    "Send the invoice to the client", "Register for the conference", "Replace the smoke alarm battery",
    "Write the blog post draft", "Check the tyre pressure", "Buy groceries for the week",
    "Reply to the recruiter", "Sort the tax documents", "Walk the dog in the evening",
    "Refill the prescription", "Organise the photo albums", "Test the backup restore",
    "Call grandma", "Submit the expense report", "Defrost the freezer", "Read chapter 3 of the novel",
    "Set up the new router"]
LONG_MESSAGES = [
    {"role": "system", "content": C["MESSAGES"][0]["content"].split(" The user has ")[0]
     + f" The user has {len(LONG_TODOS)} open to-dos: " + "; ".join(LONG_TODOS) + "."},
    C["MESSAGES"][1]]
assert len(LONG_TODOS) == 40


def chat_phase(page, label, forced=None, messages=None, runs=None):
    messages, n_runs = messages or C["MESSAGES"], runs or RUNS
    res = {"forced_hw": forced, "messages": messages if messages is not C["MESSAGES"] else "chat.py MESSAGES"}
    R.setdefault("chat", {})[label] = res
    t = time.time()
    setup = py(page, setup_code(forced), timeout=300)
    res["setup"] = setup
    res["py_setup_wall_s"] = round(time.time() - t, 2)
    res["py_load_ms"] = round(py(page, "load_ms"))
    res["py_info"] = py(page, "import dataclasses\ndataclasses.asdict(engine.info())")
    say(f"{label}: python engine {json.dumps(setup)} load {res['py_load_ms']} ms info {res['py_info']}")
    t = time.time()
    res["js_threads"] = js(page, C["SETUP_JS"], {"nCtx": setup["context"], "threads": setup["threads"],
                                                 "gpuLayers": setup["gpu_layers"]}, timeout=300)
    res["js_load_wall_s"] = round(time.time() - t, 2)
    say(f"{label}: plain JS loaded, threads {res['js_threads']}, {res['js_load_wall_s']} s")

    def run_py():
        r = py(page, C["CHAT_PY"] % (MAX_TOKENS, messages), timeout=180)
        r["last_reply"] = py(page, LAST_REPLY_PY)
        return r

    def run_js():
        return js(page, C["CHAT_JS"], [messages, MAX_TOKENS], timeout=180)

    warm_py, warm_js = run_py(), run_js()
    res["warmup"] = {"python": warm_py, "js": warm_js, "same_text": warm_py["text"] == warm_js["text"]}
    say(f"{label}: warm-up python {warm_py['ttft_ms']:.0f} ms / {warm_py['decode_tps']:.1f} tok/s, "
        f"js {warm_js['ttft_ms']:.0f} ms / {warm_js['decode_tps']:.1f} tok/s, same text: {res['warmup']['same_text']}")
    runs = res["runs"] = []
    for i in range(n_runs):
        order = [("python", run_py), ("js", run_js)]
        for side, fn in (order if i % 2 == 0 else order[::-1]):
            r = fn()
            r["side"], r["i"] = side, i
            runs.append(r)
            extra = ""
            if side == "python":
                lr = r["last_reply"]
                extra = (f" [wllama: prompt {lr['prompt_tokens']} tok in {lr['prompt_ms']:.0f} ms, "
                         f"decode {lr['decode_tps']:.1f} tok/s, {lr['tokens']} tok, {lr['finish']}]")
            say(f"  {label} run {i + 1}/{n_runs} {side}: first token {r['ttft_ms']:.0f} ms, "
                f"decode {r['decode_tps']:.1f} tok/s ({r['tokens']} deltas){extra}")
            save()
    s = {}
    for side in ("python", "js"):
        rr = [r for r in runs if r["side"] == side]
        s[side] = {"ttft_ms": med([r["ttft_ms"] for r in rr]), "decode_tps": med([r["decode_tps"] for r in rr]),
                   "ttft_all": [round(r["ttft_ms"]) for r in rr], "decode_all": [round(r["decode_tps"], 1) for r in rr],
                   "deltas": [r["tokens"] for r in rr]}
        if side == "python":
            lr = [r["last_reply"] for r in rr]
            s[side]["wllama_prompt_tokens"] = lr[0]["prompt_tokens"]
            s[side]["wllama_prompt_ms"] = med([x["prompt_ms"] for x in lr])
            s[side]["wllama_decode_tps"] = med([x["decode_tps"] for x in lr])
            s[side]["wllama_tokens"] = [x["tokens"] for x in lr]
    if s["js"]["ttft_ms"] and s["js"]["decode_tps"]:
        s["ratio_ttft_py_over_js"] = round(s["python"]["ttft_ms"] / s["js"]["ttft_ms"], 3)
        s["ratio_decode_py_over_js"] = round(s["python"]["decode_tps"] / s["js"]["decode_tps"], 3)
    s["text_python"] = runs[0]["text"][:240] if runs else None
    s["texts_identical"] = len({r["text"] for r in runs}) == 1
    res["summary"] = s
    save()
    say(f"{label} SUMMARY {json.dumps(s)}")
    py(page, "await engine.unload()")
    page.evaluate("benchWllama.exit().then(() => true)")
    return res


# wllama's own log of a WebGPU load (the app and the bench suppress it): where the layers went
OFFLOAD_JS = """async (threads) => {
  const { Wllama } = await import("./wasm/wllama@3.8.1/index.js");
  const lines = [];
  const push = (...a) => lines.push(a.map(x => typeof x === "string" ? x : JSON.stringify(x)).join(" "));
  const w = new Wllama({ default: new URL("./wasm/wllama@3.8.1/wllama.wasm", location.href).href },
                       { suppressNativeLog: false, logger: { debug: push, log: push, info: push, warn: push, error: push } });
  w.setCompat(null);
  const t = performance.now();
  await w.loadModel([window.benchBlob], { n_ctx: 2048, n_threads: threads, n_gpu_layers: 999 });
  const load_ms = performance.now() - t;
  await w.exit();
  const keep = /offload|webgpu|backend|buffer|layers|device|f16|subgroup|adapter|CPU|GPU/i;
  return { load_ms, n: lines.length, lines: lines.filter(l => keep.test(l)).slice(0, 60).map(l => l.slice(0, 300)) };
}"""


def offload_phase(page, threads):
    r = R["offload_log"] = js(page, OFFLOAD_JS, threads, timeout=120)
    save()
    for l in r["lines"]:
        say("  wllama log:", l)


# ---------------------------------------------------------------- MediaPipe with the tiny test model
MP_SETUP = """
from app.compat import js
from app.engines.base import GenerationOptions
from app.engines.mediapipe import MediaPipeEngine
import dataclasses

class _MemStore:        # the bench measures the engine, not storage: the Blob in memory
    kind = label = "memory (bench)"
    def __init__(self, blobs): self.blobs = blobs
    async def read(self, key): return self.blobs[key]
    async def stream(self, key): return self.blobs[key].stream()

mp_blob = await (await js.fetch("testmodels/gemma-tiny.bin")).blob()
tiny = {"id": "gemma-tiny", "name": "Tiny random Gemma (test)", "engine": "mediapipe", "context": 512,
        "files": [{"name": "gemma-tiny.bin", "size": int(mp_blob.size)}]}
mp_store = _MemStore({"gemma-tiny/gemma-tiny.bin": mp_blob})
mp = MediaPipeEngine(GenerationOptions(temperature=1.0, top_k=1, seed=1))
_t = js.performance.now()
await mp.load(tiny, mp_store)
mp_load_ms = js.performance.now() - _t
{"load_ms": mp_load_ms, "info": dataclasses.asdict(mp.info()), "size": int(mp_blob.size)}
"""

MP_RELOAD = """
await mp.unload()
_t = js.performance.now()
await mp.load(tiny, mp_store)
js.performance.now() - _t
"""

def engine_chat(engine, options="", keep=120):
    """Python for the page: one timed reply of `engine` (a name there) to %r messages, %d tokens."""
    return """
start = js.performance.now()
first = last = None
n, text = 0, []
async for d in ENGINE.chat(%r, GenerationOptions(max_tokens=%dOPTIONS)):
    last = js.performance.now()
    if first is None:
        first = last
    n += 1
    text.append(d)
{"ttft_ms": first - start, "decode_tps": (n - 1) * 1000 / (last - first) if n > 1 else None,
 "tokens": n, "finish": ENGINE.last_reply.finish, "text": "".join(text)[:KEEP]}
""".replace("ENGINE", engine).replace("OPTIONS", options).replace("KEEP", str(keep))


MP_CHAT = engine_chat("mp")


def mediapipe_phase(page):
    res = R["mediapipe"] = {}
    setup = py(page, MP_SETUP, timeout=150)
    res["setup"] = setup
    say(f"mediapipe: {json.dumps(setup)}")
    res["reload_ms"] = [round(py(page, MP_RELOAD, timeout=150)) for _ in range(2)]
    say(f"mediapipe: reloads {res['reload_ms']} ms")
    prompt = C["MESSAGES"]
    try:
        warm = py(page, MP_CHAT % (prompt, MAX_TOKENS), timeout=120)
    except cdp.CdpError as e:
        res["chat_messages_error"] = str(e)[-600:]
        say("mediapipe: the bench prompt failed, using 'hello':", str(e)[-300:])
        prompt = [{"role": "user", "content": "hello"}]
        warm = py(page, MP_CHAT % (prompt, MAX_TOKENS), timeout=120)
    res["prompt"], res["warmup"] = prompt, warm
    runs = res["runs"] = [py(page, MP_CHAT % (prompt, MAX_TOKENS), timeout=120) for _ in range(RUNS)]
    for r in runs:
        say(f"  mediapipe: first delta {r['ttft_ms']:.0f} ms, {r['decode_tps'] or 0:.1f} deltas/s, {r['tokens']} deltas, {r['finish']}")
    res["summary"] = {"load_ms": round(setup["load_ms"]), "reload_ms": res["reload_ms"],
                      "ttft_ms": med([r["ttft_ms"] for r in runs]), "decode_tps": med([r["decode_tps"] for r in runs]),
                      "deltas": [r["tokens"] for r in runs], "finish": [r["finish"] for r in runs]}
    save()
    say(f"mediapipe SUMMARY {json.dumps(res['summary'])}")
    py(page, "await mp.unload()")


# ---------------------------------------------------------------- MediaPipe, the converted SmolLM2 (build.py convert)
MPC_SETUP = """
import json
from app.compat import js
from app.engines.base import GenerationOptions
from app.engines.mediapipe import MediaPipeEngine
import dataclasses
class _MemStore:
    kind = label = "memory (bench)"
    def __init__(self, blobs): self.blobs = blobs
    async def read(self, key): return self.blobs[key]
    async def stream(self, key): return self.blobs[key].stream()
cat = json.loads(await (await js.fetch("models/catalog.json")).text())
conv = next(m for m in cat["models"] if m["id"] == "smollm2-135m-instruct-mediapipe")
conv = dict(conv, force_f32=%s)
f = conv["files"][0]
mp_blob = await (await js.fetch(f["url"])).blob()
mp_store = _MemStore({f"{conv['id']}/{f['name']}": mp_blob})
mp = MediaPipeEngine(GenerationOptions(temperature=1.0, top_k=1, seed=1))
_t = js.performance.now()
await mp.load(conv, mp_store)
mp_load_ms = js.performance.now() - _t
{"load_ms": mp_load_ms, "info": dataclasses.asdict(mp.info()), "size": int(mp_blob.size)}
"""


WL_SETUP = """
import time
from app.compat import js
from app.download.catalog import load_catalog
from app.download.manager import Download
from app.engines.webllm import WebLlmEngine
from app.engines.base import GenerationOptions
from app.storage import get_store
catalog = await load_catalog()
wl_model = catalog.get("smollm2-135m-instruct-webllm")
wl_store = get_store("opfs")
_t = js.performance.now()
await Download(wl_model, wl_store).start().task
wl_dl_ms = js.performance.now() - _t
wl = WebLlmEngine()
_t = js.performance.now()
await wl.load(wl_model.as_dict(), wl_store, lambda f, t: None)
wl_load_ms = js.performance.now() - _t
{"download_ms": wl_dl_ms, "load_ms": wl_load_ms, "runs_on": wl.info().runs_on}
"""
WL_CHAT = engine_chat("wl", ', temperature=0.0, extra={"cache_prompt": False}', 160)


def engine_runs(page, label, setup_code, chat_code, engine, setup_timeout=300, chat_timeout=180):
    """Set an engine up in the page, one warm-up and RUNS timed replies (the chat bench's
    prompt), then unload it: R[label] gets the setup, the runs and their medians."""
    res = R[label] = {}
    try:
        setup = res["setup"] = py(page, setup_code, timeout=setup_timeout)
        say(f"{label}: {json.dumps(setup)}")
        chat = chat_code % (C["MESSAGES"], MAX_TOKENS)
        res["warmup"] = py(page, chat, timeout=chat_timeout)
        say(f"{label} warm-up: {json.dumps(res['warmup'])}")
        runs = res["runs"] = [py(page, chat, timeout=chat_timeout) for _ in range(RUNS)]
        for r in runs:
            say(f"  {label}: first delta {r['ttft_ms']:.0f} ms, {r['decode_tps'] or 0:.1f} deltas/s, "
                f"{r['tokens']} deltas, {r['finish']}: {r['text'][:80]!r}")
        res["summary"] = {"load_ms": round(setup["load_ms"]), "ttft_ms": med([r["ttft_ms"] for r in runs]),
                          "decode_tps": med([r["decode_tps"] for r in runs if r["decode_tps"]]),
                          "deltas": [r["tokens"] for r in runs], "text": runs[0]["text"] if runs else None}
        say(f"{label} SUMMARY {json.dumps(res['summary'])}")
    except Exception as e:   # noqa: BLE001 - record, go on
        res["error"] = str(e)[-1500:]
        say(f"{label} FAILED {str(e)[-600:]}")
    save()
    try:
        py(page, f"await {engine}.unload()")
    except Exception:   # noqa: BLE001
        pass


def webllm_phase(page):
    engine_runs(page, "webllm", WL_SETUP, WL_CHAT, "wl", setup_timeout=400, chat_timeout=300)


def mpconv_phase(page):
    for f32 in (True, False):
        engine_runs(page, "mpconv_f32" if f32 else "mpconv_f16", MPC_SETUP % f32, MP_CHAT, "mp")


MP_STOP = """
import asyncio
got, stopped_at = [], []
async def _reply():
    async for d in mp.chat([{"role": "user", "content": "Tell me a long story about a dragon."}],
                           GenerationOptions(max_tokens=500)):
        got.append(d)
        if len(got) == 3:
            stopped_at.append(js.performance.now())
            mp.stop()
await _reply()
ended = js.performance.now()
fin = mp.last_reply.finish
_t = js.performance.now()
nxt = None
async for d in mp.chat([{"role": "user", "content": "Say hi."}], GenerationOptions(max_tokens=2)):
    nxt = nxt or js.performance.now()
{"pieces": len(got), "finish_stopped": fin, "stop_to_end_ms": ended - stopped_at[0],
 "next_first_delta_ms": (nxt or js.performance.now()) - _t}
"""


def gpu_mem():
    try:
        return int(subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
                                  capture_output=True, text=True).stdout.split()[0])
    except Exception:   # noqa: BLE001
        return None


def mpstop_phase(page):
    res = R["mpstop"] = {}
    try:
        setup = py(page, MPC_SETUP % True, timeout=300)
        res["setup"] = setup
        prompt = C["MESSAGES"]
        before = py(page, MP_CHAT % (prompt, MAX_TOKENS), timeout=180)
        res["before"] = before
        res["gpu_mem_mib"] = [gpu_mem()]
        runs = res["runs"] = []
        for i in range(int(os.environ.get("STOPS", "20"))):
            r = py(page, MP_STOP, timeout=180)
            runs.append(r)
            if i % 5 == 4:
                res["gpu_mem_mib"].append(gpu_mem())
        say("mpstop runs:", json.dumps(runs[:3]), "...")
        after = py(page, MP_CHAT % (prompt, MAX_TOKENS), timeout=180)
        res["after"] = after
        res["summary"] = {"stop_to_end_ms": med([r["stop_to_end_ms"] for r in runs]),
                          "stop_to_end_max": max(r["stop_to_end_ms"] for r in runs),
                          "next_first_delta_ms": med([r["next_first_delta_ms"] for r in runs]),
                          "same_text_after": after["text"] == before["text"],
                          "decode_before": before["decode_tps"], "decode_after": after["decode_tps"],
                          "gpu_mem_mib": res["gpu_mem_mib"]}
        say("mpstop SUMMARY", json.dumps(res["summary"]))
    except Exception as e:   # noqa: BLE001
        res["error"] = str(e)[:2000]
        say(f"mpstop FAILED after {len(res.get('runs', []))} stops: {str(e)[:900]}")
    save()
    try:
        py(page, "await mp.unload()")
    except Exception:   # noqa: BLE001
        pass


# ---------------------------------------------------------------- phases
def probe_only(config, base):
    """A bare page (the dev server's 404 text, same origin) in a browser of `config`: the adapter."""
    b = Browser(config)
    try:
        page = b.open(base + "/models/catalog.json")
        time.sleep(0.5)
        r = page.call(PROBE_JS, timeout=60)
        r["chrome"] = b.version
    except Exception as e:   # noqa: BLE001 - a failed config is an answer
        r = {"error": repr(e)}
    finally:
        lines = b.log_lines(25)
        b.quit()
    a = (r or {}).get("default") or {}
    say(f"probe {config}: vendor={a.get('vendor')} arch={a.get('architecture')} fallback={a.get('isFallbackAdapter')} "
        f"f16={'shader-f16' in (a.get('features') or [])} {r.get('error', '')}")
    return {"page": r, "chrome_log": lines}


def main(phases):
    global CONFIG
    server, base = serve_in_thread(SITE)
    R.setdefault("env", {}).update({"config": CONFIG, "flags": CONFIGS[CONFIG][0], "env": CONFIGS[CONFIG][1],
                                    "base_args": BASE, "icd": ICD, "icd_json": open(ICD).read() if ICD else None,
                                    "runs": RUNS, "max_tokens": MAX_TOKENS})
    try:
        if "probe" in phases:
            R["probe"] = {}
            for cfg in [CONFIG] + [c for c in os.environ.get("PROBE_CONFIGS", "").split(",") if c and c != CONFIG]:
                R["probe"][cfg] = probe_only(cfg, base)
                save()

            def real(cfg, f16):
                a = (R["probe"][cfg]["page"] or {}).get("default") or {}
                return (not a.get("error") and a.get("vendor") and not a.get("isFallbackAdapter")
                        and "swiftshader" not in (a.get("architecture") or "") + (a.get("vendor") or "")
                        and (not f16 or "shader-f16" in (a.get("features") or [])))
            chosen = next((c for c in R["probe"] if real(c, True)), None) or next((c for c in R["probe"] if real(c, False)), CONFIG)
            R["chosen_config"] = CONFIG = chosen
            R["env"].update({"config": CONFIG, "flags": CONFIGS[CONFIG][0], "env": CONFIGS[CONFIG][1]})
            open(CHOSEN_PATH, "w").write(chosen)
            open(os.path.join(W, "probe_ok"), "w").write("1" if real(chosen, False) else "0")
            save()
            say("chosen config:", chosen)
        app_phases = [p for p in phases if p != "probe"]
        if not app_phases:
            return
        b = Browser(CONFIG)
        R["env"]["chrome"] = b.version
        try:
            page, R["boot_cold"] = boot(b, base, "cold (fresh profile)")
            save()
            if R["boot_cold"]["state"] != "ready":
                say("the app did not boot:", R["boot_cold"].get("body"))
                return
            R["adapter_in_app_page"] = page.call(PROBE_JS, timeout=60)
            R["app_view"] = py(page, APP_VIEW_PY)
            save()
            say("app view:", json.dumps(R["app_view"]))
            if "probe_error" in R["app_view"]:
                default_backend = "probe-error"       # the app's own probe raised: no plan at all
                cores = R["adapter_in_app_page"]["hardwareConcurrency"]
            else:
                default_backend = R["app_view"]["wllama_plan"]["backend"]
                cores = R["app_view"]["cores"]
            for ph in app_phases:
                t = time.time()
                if t - T0 > DEADLINE:
                    say(f"phase {ph} SKIPPED: past the deadline ({DEADLINE:.0f} s)")
                    R.setdefault("skipped", []).append(ph)
                    continue
                try:
                    if ph == "chat":
                        chat_phase(page, f"default_{default_backend}")
                    elif ph == "other":
                        if default_backend != "wasm":    # the other backend (or, with no plan, the CPU one): wasm
                            forced = f"Hardware(webgpu=False, features=frozenset(), isolated=True, cores={cores})"
                            chat_phase(page, "forced_wasm" if default_backend == "webgpu" else "forced_wasm_no_plan", forced)
                        else:                            # the other backend: WebGPU, all layers
                            forced = f"Hardware(webgpu=True, features=frozenset({{'shader-f16'}}), isolated=True, cores={cores})"
                            chat_phase(page, "forced_webgpu", forced)
                    elif ph == "chatlong":
                        chat_phase(page, f"long_default_{default_backend}", messages=LONG_MESSAGES,
                                   runs=int(os.environ.get("RUNS_LONG", RUNS)))
                    elif ph == "otherlong":
                        forced = f"Hardware(webgpu=False, features=frozenset(), isolated=True, cores={cores})"
                        chat_phase(page, "long_forced_wasm", forced, messages=LONG_MESSAGES,
                                   runs=int(os.environ.get("RUNS_LONG", RUNS)))
                    elif ph == "nof16view":          # a second browser without Dawn's f16 switch
                        b2 = Browser("gpu_nof16")
                        try:
                            p2, R["nof16_boot"] = boot(b2, base, "gpu_nof16 (no Dawn f16 switch)")
                            R["nof16_app_view"] = py(p2, APP_VIEW_PY)
                            say("nof16 app view:", json.dumps(R["nof16_app_view"])[:400])
                        finally:
                            b2.quit()
                        save()
                    elif ph == "offloadlog" and default_backend == "webgpu":
                        offload_phase(page, R["app_view"]["wllama_plan"]["threads"])
                    elif ph == "mediapipe":
                        mediapipe_phase(page)
                    elif ph == "mpconv":
                        mpconv_phase(page)
                    elif ph == "mpstop":
                        mpstop_phase(page)
                    elif ph == "webllm":
                        webllm_phase(page)
                    elif ph == "warmboot":
                        b.close_page(page)
                        page, R["boot_warm"] = boot(b, base, "second visit (same profile, service worker installed)")
                        save()
                except Exception as e:   # noqa: BLE001 - record, go on with the next phase
                    msg = str(e)
                    msg = msg[:msg.find("    at ")] if "    at " in msg else msg   # drop the JS stack
                    R.setdefault("errors", {})[ph] = msg[-2500:]
                    save()
                    say(f"phase {ph} FAILED: {msg[-900:]}")
                say(f"phase {ph} done in {time.time() - t:.1f}s")
        finally:
            R["chrome_log_tail"] = b.log_lines(40)
            save()
            b.quit()
    finally:
        server.stop()
        save()


if __name__ == "__main__":
    main(sys.argv[1:] or ["probe", "boot", "chat", "other", "mediapipe", "warmboot"])
