"""Engine test fixtures: one booted app page per module (booting and loading a model take
seconds), with the request guard, and the embedded model put into a store first."""
import pytest

from tests.conftest import RequestGuard, run_py, wait_for_boot

# Puts the embedded model into a store in the page and defines `model` and `store` there.
# TODO(storage): replace the interim in-memory store with the real stores once merged.
STORE_EMBEDDED = """
from app.compat import js
from app.engines.catalog import default_model, fetch_catalog, file_key
from app.storage.base import NotFound, Store

class _BlobStore(Store):
    kind, label, read_only = "memory", "memory (test)", True
    def __init__(self): self.blobs = {}
    async def begin(self, *a, **k): raise NotImplementedError
    async def read(self, key):
        if key not in self.blobs: raise NotFound(key)
        return self.blobs[key]
    async def info(self, key): return None
    async def list(self): return []
    async def partials(self): return []
    async def delete(self, key): self.blobs.pop(key, None)

model = default_model(await fetch_catalog())
store = _BlobStore()
for f in model["files"]:
    store.blobs[file_key(model, f)] = await (await js.fetch(f["url"])).blob()
model["id"]
"""


@pytest.fixture(scope="module")
def module_page(browser, server):
    guard = RequestGuard()
    context = browser.new_context(service_workers="block")
    guard.attach(context)
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda m: page.console_messages_seen.append(f"{m.type}: {m.text}"))
    page.goto(server + "/")
    assert wait_for_boot(page) == "ready", page.inner_text("body")
    yield page
    context.close()
    assert not guard.blocked, f"requests tried to leave the machine: {guard.blocked}"


@pytest.fixture(scope="module")
def embedded_page(module_page):
    """A page where `model` (the embedded default) and `store` holding it are defined."""
    assert run_py(module_page, STORE_EMBEDDED) == "smollm2-135m-instruct-q4_1"
    return module_page
