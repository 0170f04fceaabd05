"""MediaPipe tasks-genai with the generated tiny Gemma model, in real Chromium (WebGPU on
SwiftShader). Its text is garbage: these tests prove load, prefill, streaming, stop, LoRA."""
import pytest

from tests.conftest import run_py
from tests.engines.conftest import STORE_TINY_GEMMA

pytestmark = pytest.mark.browser

ASK = "[{'role': 'user', 'content': 'hello'}]"


@pytest.fixture(scope="module")
def mediapipe_page(embedded_page):
    size = run_py(embedded_page, STORE_TINY_GEMMA)
    assert size >= 1024 * 1024          # the runtime refuses anything under 1 MiB
    progress = run_py(embedded_page, """
from app.engines.base import GenerationOptions
from app.engines.mediapipe import MediaPipeEngine
mp = MediaPipeEngine()
mp_progress = []
await mp.load(tiny, store, lambda fraction, text: mp_progress.append(fraction))
mp_progress
""")
    assert progress[0] == 0 and progress[-1] == 1 and progress == sorted(progress)
    assert any(0 < p < 1 for p in progress[2:-1])     # bytes counted through the stream reader
    yield embedded_page
    run_py(embedded_page, "await mp.unload()")


FSA_FROM_OPFS = """
# A File System Access entry over a real file handle (an OPFS one: no picker in tests).
root = await js.navigator.storage.getDirectory()
handle = await root.getFileHandle("gemma-tiny-on-disk.bin", to_js_object({"create": True}))
writable = await handle.createWritable()
await writable.write(await store.read("gemma-tiny/gemma-tiny.bin"))
await writable.close()
await get_store("fsa").add_handle(handle, "gemma-tiny/gemma-tiny.bin")
"""


@pytest.mark.parametrize("kind", ["cache", "idb", "fsa"])
def test_loads_from_each_store_through_the_stream_reader(mediapipe_page, kind):
    """(OPFS is the module's own store, exercised by every other test here.)"""
    if kind == "fsa":
        run_py(mediapipe_page, "from app.compat import to_js_object\n" + FSA_FROM_OPFS)
    else:
        run_py(mediapipe_page, f"await put(get_store({kind!r}), 'gemma-tiny/gemma-tiny.bin', "
                               "'testmodels/gemma-tiny.bin')")
    deltas, finish, progress = run_py(mediapipe_page, f"""
other = MediaPipeEngine()
seen = []
await other.load(tiny, get_store({kind!r}), lambda fraction, text: seen.append(fraction))
deltas = [d async for d in other.chat({ASK}, GenerationOptions(max_tokens=2))]
await other.unload()
[deltas, other.last_reply.finish, seen]
""")
    assert 1 <= len(deltas) <= 2 and finish in ("stop", "length")
    assert progress[-1] == 1 and any(0 < p < 1 for p in progress)


# A store whose stream has the shape that made createFromOptions hang every time before
# mediapipe._feeding: a few chunks, all there at once, the end one task later (the Cache API
# store's stream had it about one load in three).
LATE_END_STORE = """
from app.compat import js
late_end_stream = js.Function.new("bytes", '''
  const parts = [bytes.slice(0, 65536), bytes.slice(65536)];
  return new ReadableStream({
    async pull(controller) {
      if (parts.length) return controller.enqueue(parts.shift());
      await new Promise(resolve => setTimeout(resolve, 0));
      controller.close();
    },
  }, {highWaterMark: 0});''')

class LateEndStore:
    kind = label = "late end"
    async def stream(self, key):
        blob = await store.read(key)
        return late_end_stream(js.Uint8Array.new(await blob.arrayBuffer()))
"""


def test_loads_a_stream_whose_end_comes_a_task_after_its_last_chunk(mediapipe_page):
    run_py(mediapipe_page, LATE_END_STORE)
    finish = run_py(mediapipe_page, f"""
import asyncio
late = MediaPipeEngine()
try:    # a watchdog, so that a regression fails here instead of hanging the suite
    await asyncio.wait_for(late.load(tiny, LateEndStore()), 120)
except TimeoutError:
    raise AssertionError("createFromOptions never returned") from None
deltas = [d async for d in late.chat({ASK}, GenerationOptions(max_tokens=1))]
await late.unload()
late.last_reply.finish
""")
    assert finish in ("stop", "length")


def test_loads_from_the_store_through_the_stream_reader_and_streams_to_done(mediapipe_page):
    deltas, finish, info = run_py(mediapipe_page, f"""
import dataclasses
deltas = [d async for d in mp.chat({ASK}, GenerationOptions(max_tokens=6, seed=1))]
[deltas, mp.last_reply.finish, dataclasses.asdict(mp.info())]
""")
    assert 1 <= len(deltas) <= 6 and all(isinstance(d, str) and d for d in deltas)
    assert finish in ("stop", "length")
    assert info["engine"] == "mediapipe" and info["backend"] == "webgpu"
    assert info["context_size"] == 128 and info["model"] == "gemma-tiny"


def test_stop_mid_stream_ends_the_reply(mediapipe_page):
    got, finish = run_py(mediapipe_page, f"""
got = []
async for d in mp.chat({ASK}, GenerationOptions(max_tokens=100, temperature=0.9, seed=2)):
    got.append(d)
    if len(got) == 2:
        mp.stop()
[len(got), mp.last_reply.finish]
""")
    assert got == 2 and finish == "aborted"


def test_lora_loads_from_a_stored_file_and_from_a_url_and_is_chosen_per_request(mediapipe_page):
    result = run_py(mediapipe_page, f"""
await mp.load_lora("stored", "gemma-tiny/gemma-tiny-lora4.bin", store)
await mp.load_lora("by-url", "testmodels/gemma-tiny-lora4.bin")
with_lora = [d async for d in mp.chat({ASK}, GenerationOptions(max_tokens=3, extra={{"lora": "stored"}}))]
[mp.loras, len(with_lora), mp.last_reply.finish]
""")
    assert result[0] == ["by-url", "stored"] and result[1] >= 1 and result[2] in ("stop", "length")


def test_unknown_lora_and_bad_lora_file_get_clear_errors(mediapipe_page):
    with pytest.raises(Exception, match="No LoRA adapter named 'nope'"):
        run_py(mediapipe_page, f"[d async for d in mp.chat({ASK}, GenerationOptions(extra={{'lora': 'nope'}}))]")
    with pytest.raises(Exception, match="Could not load the LoRA adapter 'missing'"):
        run_py(mediapipe_page, "await mp.load_lora('missing', 'gemma-tiny/none.bin', store)")
