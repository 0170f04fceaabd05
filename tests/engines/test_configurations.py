"""The engine and the chat under every browser configuration of tools.browser.CONFIGS:
no navigator.gpu, a null adapter, SwiftShader, and a GPU with shader-f16 (skipped, saying
why, where the machine has none). One browser per configuration and session, one booted app
per configuration: the built-in model loaded through the chat's own button, a reply
streamed, a reply stopped, what the engine runs on (and the UI saying so and why), and the
GPU-only engines refusing clearly where there is no adapter."""
import pytest

from tests.chat.conftest import (REPLY_TIMEOUT_MS, boot_page, close_page, reply_text, send,
                                 wait_ended)
from tests.conftest import run_py
from tools.browser import CONFIGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("configured_browser", list(CONFIGS), indirect=True, scope="session"),
]

CHAT = "from app.ui.panels import mounted\nchat = mounted['chat']\n"
# Greedy, with wllama's prompt cache on: the second reply reuses the system prompt's prefill.
OPTIONS = CHAT + ("from app.engines.base import GenerationOptions\n"
                  "chat.assistant.options = GenerationOptions(max_tokens={n}, temperature=0)\n")
# Per configuration: what hardware.probe() sees (navigator.gpu, adapter, shader-f16), the
# backend wllama must choose, and how the UI says what it runs on and why.
EXPECTED = {
    "no-webgpu": ((False, False, False), "wasm",
                  "No WebGPU in this browser: wllama runs on the CPU, {threads} threads"),
    "null-adapter": ((True, False, False), "wasm",
                     "No GPU available (WebGPU offers no adapter): wllama runs on the CPU, "
                     "{threads} threads"),
    "swiftshader": ((True, True, False), "wasm",
                    "WebGPU adapter without shader-f16 (SwiftShader, a software GPU): wllama "
                    "runs on the CPU, {threads} threads"),
    "gpu-f16": ((True, True, True), "webgpu", "with shader-f16: wllama runs on WebGPU"),
}


@pytest.fixture(scope="module")
def config_page(configured_browser, server):
    config, browser = configured_browser
    context, page, guard = boot_page(browser, server, config)
    page.config = config
    yield page
    close_page(context, page, guard)


@pytest.fixture(scope="module")
def loaded_page(config_page):
    """The built-in model loaded the way a person does it: "Load the built-in model"."""
    page = config_page
    page.get_by_role("button", name="Load the built-in model").click()
    page.wait_for_function(
        "() => { const t = document.querySelector('.chat-status').textContent;"
        "        return t.startsWith('Model:') || t.includes('could not be loaded'); }",
        timeout=REPLY_TIMEOUT_MS)
    status = page.locator(".chat-status").inner_text()
    assert status.startswith("Model:"), status
    return page


def test_the_app_sees_the_configuration(config_page):
    seen = run_py(config_page, """
from app.engines import hardware
hw = await hardware.probe()
[hw.webgpu_api, hw.webgpu, hw.shader_f16]""")
    assert tuple(seen) == EXPECTED[config_page.config.name][0]


def test_the_built_in_model_loads_and_the_ui_says_what_it_runs_on(loaded_page):
    page = loaded_page
    _, backend, wording = EXPECTED[page.config.name]
    info = run_py(page, CHAT + "i = chat.assistant.engine.info()\n"
                              "[i.engine, i.model, i.backend, i.threads, i.runs_on]")
    engine, model, got_backend, threads, runs_on = info
    assert (engine, model, got_backend) == ("wllama", "smollm2-135m-instruct-q4_1", backend)
    if backend == "wasm":
        assert threads >= 2                          # the page is cross-origin isolated
        assert runs_on == wording.format(threads=threads)
    else:
        assert runs_on.endswith(wording)
    # Said where the chat names the model, and in the engine section of the Models panel.
    assert runs_on in page.locator(".chat-status").inner_text()
    section = page.get_by_role("region", name="Engine")
    assert section.locator("dt:text-is('Runs on') + dd").inner_text() == runs_on


def test_a_reply_streams_and_stop_ends_it(loaded_page):
    page = loaded_page
    run_py(page, OPTIONS.format(n=200))
    reply = send(page, "Write a long story about a dragon who keeps a to-do list.", wait=False)
    # Streamed: part of the reply is on screen while it is still being written.
    page.wait_for_function(
        "() => { const m = [...document.querySelectorAll('.msg-assistant')].pop();"
        "        return m.querySelector('.msg-text').textContent.length > 10; }",
        timeout=REPLY_TIMEOUT_MS)
    assert reply.get_attribute("data-state") not in ("done", "stopped", "error")
    page.get_by_role("button", name="Stop").click()
    wait_ended(page, reply)
    assert reply.get_attribute("data-state") == "stopped"
    finish, tokens = run_py(page, CHAT + "s = chat.assistant.engine.last_reply\n"
                                         "[s.finish, s.tokens]")
    assert finish == "aborted" and tokens < 200
    assert page.get_by_role("button", name="Send").is_enabled()


def test_the_chat_answers_after_a_stop(loaded_page):
    page = loaded_page
    run_py(page, OPTIONS.format(n=8))
    reply = send(page, "Give me one tip to stay organised.")
    assert reply.get_attribute("data-state") == "done", reply.inner_text()
    assert reply.get_attribute("data-kind") == "model"
    assert reply_text(reply).strip()
    tokens = run_py(page, CHAT + "chat.assistant.engine.last_reply.tokens")
    assert tokens > 1


def test_gpu_only_engines_say_why_they_cannot_run(loaded_page):
    if EXPECTED[loaded_page.config.name][0][1]:
        pytest.skip("there is an adapter here: MediaPipe and web-llm are tested on it in "
                    "test_mediapipe.py and test_webllm.py")
    mediapipe, webllm = run_py(loaded_page, """
from app.compat import js
from app.engines.base import EngineError
from app.engines.mediapipe import MediaPipeEngine
from app.engines.webllm import WebLlmEngine
from app.storage import get_store

async def _one(data):
    yield data

store = get_store("opfs")
await store.write("gpu-only/model.bin", _one(js.Uint8Array.new(4096)), 4096)
model = {"id": "gpu-only", "name": "GPU only", "engine": "mediapipe",
         "files": [{"name": "model.bin", "size": 4096}]}
record = {"model": "https://huggingface.co/mlc-ai/Fake-q4f32_1-MLC", "model_id": "Fake-q4f32_1-MLC",
          "model_lib": "webllm-libs/fake.wasm", "vram_required_MB": 10.0}
errors = []
for engine, entry, source in ((MediaPipeEngine(), model, store),
                              (WebLlmEngine(), {"id": "fake", "engine": "web-llm",
                                                "webllm": {"record": record}}, None)):
    try:
        await engine.load(entry, source)
        errors.append("loaded")
    except EngineError as exc:
        errors.append(str(exc))
    assert not engine.loaded
await store.delete("gpu-only/model.bin")
errors""")
    from app.engines.hardware import Hardware, no_gpu_reason
    reason = no_gpu_reason(Hardware(webgpu_api=EXPECTED[loaded_page.config.name][0][0]))
    assert mediapipe == f"MediaPipe needs a WebGPU adapter. {reason}."
    assert webllm == f"web-llm needs a WebGPU adapter. {reason}."
