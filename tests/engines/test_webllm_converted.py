"""The model `build.py convert --to webllm` compiles (SmolLM2-135M-Instruct: our own model
libraries, float32 MLC weights, tokenizer.json, mlc-chat-config.json), in real Chromium on
SwiftShader WebGPU, through the app's own path: its catalog entry downloaded by our
downloader into OPFS (sha256-verified), then loaded by the web-llm engine, which copies the
files into web-llm's cache under the exact URLs it asks for, so web-llm requests nothing.
SwiftShader is a CPU-emulated adapter: the app downloads and runs the library built for those
("adapter": "software"); the one for real GPUs is checked here too, on a few tokens (it is
slow on SwiftShader, by design).

Runs whenever the converted files are present; compiling takes about 5 minutes on this
2-core machine (and needs emscripten), so it is not part of the default build:

    python3 build.py convert smollm2-135m-instruct-q4_1 --to webllm
"""
import json

import pytest

from tests.conftest import RequestGuard, run_py, wait_for_boot
from tools import vendor

pytestmark = pytest.mark.browser

LOAD_TIMEOUT_S = 900
GREEDY_TOKENS = 12      # SwiftShader decodes this float32 model at seconds per token
GPU_LIBRARY_TOKENS = 3  # the GPU library on SwiftShader: about a minute to the first token


def converted_model():
    catalog = json.loads((vendor.ROOT / "models" / "catalog.json").read_text())
    return next((m for m in catalog["models"]
                 if m.get("engine") == "web-llm" and "build" in m), None)


def names(model, adapter):
    """The model's files an adapter of that kind uses."""
    return {f["name"] for f in model["files"] if f.get("adapter") in (None, adapter)}


MODEL = converted_model()
if MODEL is None or not all((vendor.ROOT / f["url"]).exists() for f in MODEL["files"]):
    pytest.skip("the converted web-llm model is not built here: run `"
                + (MODEL["build"]["command"] if MODEL else
                   "python3 build.py convert smollm2-135m-instruct-q4_1 --to webllm")
                + "` (about 5 min on 2 cores), then run this test", allow_module_level=True)

QUESTION = [{"role": "system", "content": "You are a to-do assistant. The user has 3 open "
                                          "to-dos: Buy milk; Pay rent; Call mom."},
            {"role": "user", "content": "Which of my to-dos should I do first?"}]

DOWNLOAD = f"""
import time
from app.download.catalog import load_catalog
from app.download.manager import Download
from app.engines.webllm import WebLlmEngine
from app.storage import get_store
catalog = await load_catalog()
model = catalog.get({MODEL['id']!r})
store = get_store("opfs")
started = time.monotonic()
await Download(model, store).start().task
downloaded = time.monotonic() - started
"""

LOAD = """
engine = WebLlmEngine()
steps = []
started = time.monotonic()
await engine.load(model.as_dict(), store, lambda f, t: steps.append(t))
[time.monotonic() - started, engine.info().runs_on, steps[-1]]
"""

GREEDY = """
import time
from app.engines.base import GenerationOptions
started, first, deltas = time.monotonic(), None, []
async for d in engine.chat({question!r}, GenerationOptions(max_tokens={n}, temperature=0.0,
                                                          extra={{"cache_prompt": False}})):
    first = first or time.monotonic() - started
    deltas.append(d)
[deltas, first, time.monotonic() - started, engine.last_reply.finish]
"""


@pytest.fixture(scope="module")
def page(browser, server):
    guard = RequestGuard()
    context = browser.new_context(service_workers="block")
    guard.attach(context)
    page = context.new_page()
    page.requests = []
    context.on("request", lambda r: page.requests.append(r.url))
    page.goto(server + "/")
    assert wait_for_boot(page) == "ready", page.inner_text("body")
    page.set_default_timeout(LOAD_TIMEOUT_S * 1000)
    run_py(page, DOWNLOAD)
    page.downloaded = run_py(page, "downloaded")
    page.requests_before_load = len(page.requests)
    page.loaded = run_py(page, LOAD)
    yield page
    context.close()
    assert not guard.blocked, f"requests tried to leave the machine: {guard.blocked}"


def test_loads_from_our_store_and_web_llm_requests_nothing(page, server):
    load_s, runs_on, last_step = page.loaded
    assert "web-llm" in runs_on and last_step == "Ready"
    fetched = {u.rsplit("/", 1)[1] for u in page.requests[:page.requests_before_load]
               if MODEL["id"] in u}
    assert fetched >= names(MODEL, "software")                   # by our downloader
    assert not fetched & (names(MODEL, "gpu") - names(MODEL, "software"))   # not the GPU library
    during_load = [u for u in page.requests[page.requests_before_load:] if MODEL["id"] in u]
    assert not during_load, during_load       # web-llm found every file in its cache
    assert all(u.startswith(server) for u in page.requests)
    print(f"download {page.downloaded:.1f} s, load {load_s:.1f} s")


def test_answers_a_todo_question_streaming_greedy(page):
    deltas, first, total, finish = run_py(page, GREEDY.format(question=QUESTION, n=GREEDY_TOKENS))
    text = "".join(deltas)
    print(f"web-llm greedy: first token {first:.2f} s, {len(deltas)} deltas "
          f"in {total:.1f} s: {text!r}")
    assert len(deltas) >= 5 and finish in ("length", "stop")
    assert any(w in text.lower() for w in ("milk", "rent", "mom", "first", "to-do", "todo")), text
    page.webllm_greedy = deltas


def test_stop_ends_the_reply(page):
    got, finish = run_py(page, """
from app.engines.base import GenerationOptions
got = []
async for d in engine.chat([{"role": "user", "content": "Tell me a long story."}],
                           GenerationOptions(max_tokens=200)):
    got.append(d)
    if len(got) == 2:
        engine.stop()
[len(got), engine.last_reply.finish]
""")
    assert got == 2 and finish == "aborted"


def test_the_library_for_real_gpus_gives_the_same_first_tokens(page):
    """The library built for real GPUs (dlight's GPU schedules, app/download/catalog.py:
    "adapter": "gpu"), loaded as the app would on a GPU, picks the same greedy tokens."""
    ours = getattr(page, "webllm_greedy", None) or run_py(
        page, GREEDY.format(question=QUESTION, n=GREEDY_TOKENS))[0]
    deltas, first, total, _ = run_py(page, """
await engine.unload()
gpu_model = (await load_catalog(adapter="gpu")).get(model.id)
await Download(gpu_model, store).start().task          # only its library is new
engine = WebLlmEngine()
await engine.load(gpu_model.as_dict(), store, lambda f, t: None)
""" + GREEDY.format(question=QUESTION, n=GPU_LIBRARY_TOKENS))
    print(f"GPU library on SwiftShader: first token {first:.1f} s, "
          f"{len(deltas)} tokens in {total:.1f} s: {deltas!r}")
    assert deltas == ours[:GPU_LIBRARY_TOKENS]


def test_greedy_output_agrees_with_wllama_on_the_first_tokens(page):
    """wllama runs the same GGUF (Q4_1, dequantized on the fly); our weights are that GGUF
    dequantized to float32, so the two should pick the same tokens for a while."""
    ours = getattr(page, "webllm_greedy", None) or run_py(
        page, GREEDY.format(question=QUESTION, n=GREEDY_TOKENS))[0]
    theirs = run_py(page, """
await engine.unload()
from app.engines.embedded import locate_embedded
from app.engines.wllama import WllamaEngine
wl_model, wl_store = await locate_embedded(stores=[store], target=store)
engine = WllamaEngine()
await engine.load(wl_model, wl_store)
""" + GREEDY.format(question=QUESTION, n=GREEDY_TOKENS))[0]
    a, b = "".join(ours), "".join(theirs)
    same = 0
    while same < min(len(a), len(b)) and a[same] == b[same]:
        same += 1
    agreeing_tokens = 0
    for d in ours:                          # whole web-llm tokens inside the common prefix
        if len("".join(ours[:agreeing_tokens + 1])) > same:
            break
        agreeing_tokens += 1
    print(f"greedy agreement: {agreeing_tokens} tokens ({same} characters)\n"
          f"  web-llm: {a!r}\n  wllama:  {b!r}")
    assert agreeing_tokens >= 5, (a, b)
