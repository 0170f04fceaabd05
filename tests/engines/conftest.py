"""Engine test fixtures: one booted app page per module (booting and loading a model take
seconds), with the request guard, and the embedded model put into a store first."""
import pytest

from tests.conftest import RequestGuard, run_py, wait_for_boot

# Defines `store` (the app's OPFS store) holding the embedded model, and `model`, through
# the app's own path (app.engines.embedded: found in a store, or copied in from the bundle),
# plus `put(store, key, url)` for other files.
STORE_EMBEDDED = """
from app.compat import js
from app.engines.embedded import locate_embedded
from app.storage import get_store

async def _chunks(blob):
    reader = blob.stream().getReader()
    while True:
        part = await reader.read()
        if part.done:
            return
        yield part.value

async def put(store, key, url):
    blob = await (await js.fetch(url)).blob()    # small test files only
    await store.write(key, _chunks(blob), int(blob.size))
    return int(blob.size)

store = get_store("opfs")
model, store = await locate_embedded(stores=[store], target=store)
model["id"]
"""

@pytest.fixture(scope="session")
def test_models(tmp_path_factory):
    """The tiny random Gemma-style MediaPipe model and a rank-4 LoRA, generated once."""
    from tools.testmodels import mediapipe_gemma
    out = tmp_path_factory.mktemp("testmodels")
    (out / "gemma-tiny.bin").write_bytes(mediapipe_gemma.build_model())
    (out / "gemma-tiny-lora4.bin").write_bytes(mediapipe_gemma.build_lora(rank=4))
    return out


MIRROR_MODEL = "Fake-1B-Instruct-q4f32_1-MLC"


@pytest.fixture(scope="session")
def webllm_mirror(tmp_path_factory):
    """A local mirror of the Hugging Face layout of a (fake) MLC model: what a downloader
    would have fetched from <model>/resolve/main/."""
    import json
    out = tmp_path_factory.mktemp("mirror")
    (out / "mlc-chat-config.json").write_text(json.dumps(
        {"model_type": "llama", "context_window_size": 512, "tokenizer_files": ["tokenizer.json"],
         "conv_template": {"name": "llama-3"}}))
    (out / "tokenizer.json").write_text("{}")
    (out / "params_shard_0.bin").write_bytes(bytes(range(256)) * 16)
    (out / "tensor-cache.json").write_text(json.dumps(
        {"metadata": {}, "records": [{"dataPath": "params_shard_0.bin", "format": "raw-shard",
                                      "nbytes": 4096, "records": []}]}))
    return out


@pytest.fixture(scope="module")
def module_page(browser, server, test_models, webllm_mirror):
    guard = RequestGuard()
    context = browser.new_context(service_workers="block")
    guard.attach(context)
    page = context.new_page()
    # Generated test models are served by the page's own origin at /testmodels/<name>.
    context.route("**/testmodels/*", lambda route: route.fulfill(
        path=test_models / route.request.url.rsplit("/", 1)[1],
        content_type="application/octet-stream"))
    context.route(f"**/mirror/mlc-ai/{MIRROR_MODEL}/resolve/main/*", lambda route: route.fulfill(
        path=webllm_mirror / route.request.url.rsplit("/", 1)[1]))
    page.console_messages_seen = []
    page.on("console", lambda m: page.console_messages_seen.append(f"{m.type}: {m.text}"))
    page.goto(server + "/")
    assert wait_for_boot(page) == "ready", page.inner_text("body")
    yield page
    context.close()
    assert not guard.blocked, f"requests tried to leave the machine: {guard.blocked}"


# Puts the generated MediaPipe model and LoRA into `store` too; defines `tiny`.
STORE_TINY_GEMMA = """
tiny = {"id": "gemma-tiny", "name": "Tiny random Gemma (test)", "engine": "mediapipe",
        "context": 128, "lora_ranks": [4], "files": [{"name": "gemma-tiny.bin"}]}
tiny["files"][0]["size"] = await put(store, "gemma-tiny/gemma-tiny.bin", "testmodels/gemma-tiny.bin")
await put(store, "gemma-tiny/gemma-tiny-lora4.bin", "testmodels/gemma-tiny-lora4.bin")
tiny["files"][0]["size"]
"""


@pytest.fixture(scope="module")
def embedded_page(module_page):
    """A page where `model` (the embedded default) and `store` holding it are defined."""
    assert run_py(module_page, STORE_EMBEDDED) == "smollm2-135m-instruct-q4_1"
    return module_page
