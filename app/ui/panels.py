"""The mounted panels by name, so one panel can reach another; tests and DevTools use it too.
The chat follows the shared engine (app.engines.active): whoever loads a model, the chat
uses it."""
from app.ui.dom import by_id

mounted = {}


async def mount_todos_and_chat():
    # Timed as the "mount-todos-chat" performance measure (imports, IndexedDB, first render):
    # it is part of the boot the startup benchmark holds to its budget.
    from app.compat import js
    js.performance.mark("mount-todos-chat-start")
    from app.engines.active import active
    from app.ui.chat_panel import ChatPanel
    from app.ui.todos_panel import mount_todos

    mounted["todos"] = await mount_todos(by_id("todos-body"))
    mounted["chat"] = ChatPanel(by_id("chat-body"), mounted["todos"].todos, active=active,
                                load_embedded=load_embedded)
    js.performance.measure("mount-todos-chat", "mount-todos-chat-start")
    return mounted


async def load_embedded(on_progress=None):
    """Load the embedded default model into the shared engine -> the Engine.

    Interim: reads the model straight from this site (same origin, no network beyond it) into
    a Blob. TODO(storage/download): once those are merged, load it from the user's store,
    as the models panel does, so it is cached for offline use in one place."""
    from app.compat import js
    from app.engines.active import active
    from app.engines.catalog import default_model, fetch_catalog, file_key
    from app.storage.base import NotFound, Store

    class SiteStore(Store):
        """Read-only: the files the site itself serves."""
        kind, label, read_only = "site", "this site", True

        def __init__(self, urls):
            self.urls = urls

        async def read(self, key):
            if key not in self.urls:
                raise NotFound(key)
            response = await js.fetch(self.urls[key])
            if not response.ok:
                raise NotFound(f"{key}: HTTP {response.status}")
            return await response.blob()

        async def begin(self, *_a, **_k):
            raise NotImplementedError("read-only")

        async def info(self, key):
            return None

        async def list(self):
            return []

        async def partials(self):
            return []

        async def delete(self, key):
            raise NotImplementedError("read-only")

    model = default_model(await fetch_catalog())
    store = SiteStore({file_key(model, f): f["url"] for f in model["files"]})
    return await active.load(model, store, on_progress)
