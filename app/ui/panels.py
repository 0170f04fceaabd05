"""The mounted panels by name, so one panel can reach another; tests and DevTools use it too.
Every panel shows the models state (app.models_state): what is stored, downloading and
loaded; the chat uses whatever model the shared engine (app.engines.active) holds."""
from app.ui.dom import by_id, h

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
    mark_after_paint("todos-painted")
    mounted["chat"] = ChatPanel(by_id("chat-body"), mounted["todos"].todos, active=active,
                                load_embedded=load_embedded)
    js.performance.measure("mount-todos-chat", "mount-todos-chat-start")
    return mounted


async def mount_model_features():
    """Storage, downloads, the engine and web-llm, in the models panel, in that order. One
    that fails shows an alert in its own area; the others still mount."""
    from app import models_sync
    from app.compat import js
    from app.engines.active import active
    from app.ui import storage_panel
    from app.ui.downloads_panel import render_downloads_panel
    from app.ui.engine_panel import render_engine_panel
    from app.ui.shell import feature_area
    from app.ui.webllm_panel import render_webllm_panel

    js.performance.mark("model-features-start")
    try:
        models_sync.start()     # reads every store into the models state, follows other tabs
    except Exception:  # the panels then say what they can; the list and chat keep working
        import traceback
        traceback.print_exc()
    features = (
        ("storage", storage_panel.render),   # lists stored models asynchronously
        ("downloads", render_downloads_panel),   # reads the catalog and stores afterwards
        ("engine", lambda area: render_engine_panel(active, load_embedded, area)),
        ("web-llm", render_webllm_panel),
    )
    failed = False
    for name, render in features:
        area = feature_area("models", name)
        try:
            render(area)
        except Exception as exc:
            import traceback
            traceback.print_exc()
            failed = True
            area.append(h("p", f"This part of the app could not start: {exc!r}",
                          class_="boot-error", role="alert"))
    js.document.documentElement.dataset.features = "error" if failed else "ready"
    js.performance.measure("model-features", "model-features-start")
    js.performance.mark("features-ready")


def after_paint(at_most_ms=250):
    """A future that resolves once the current DOM has been painted, or after `at_most_ms`
    when nothing paints (a background tab runs no animation frames)."""
    import asyncio

    from pyodide.ffi import create_once_callable

    from app.compat import js
    painted = asyncio.get_event_loop().create_future()

    def done(*_):
        if not painted.done():
            painted.set_result(None)
    _after_paint(done)
    js.setTimeout(create_once_callable(done), at_most_ms)
    return painted


def _after_paint(callback):
    # The second animation frame callback runs after the first frame that shows the DOM.
    from pyodide.ffi import create_once_callable

    from app.compat import js
    js.requestAnimationFrame(create_once_callable(
        lambda _t: js.requestAnimationFrame(create_once_callable(lambda _t2: callback()))))


def mark_after_paint(name):
    """performance.mark(name) once the current DOM has been painted (the startup benchmark
    reads it)."""
    from app.compat import js
    _after_paint(lambda: js.performance.mark(name))


async def load_embedded():
    """Load the built-in model into the shared engine (found in a store, or copied into the
    default store first) -> the Engine, or None when it failed. The chat and the engine section
    both use this; a failure reaches every panel through the models state, so it is not a
    traceback here (PyScript would show one as an error box)."""
    from app.engines.active import active
    from app.engines.base import EngineError
    from app.storage.base import StoreError
    try:
        return await active.load_embedded()
    except (EngineError, StoreError):
        return None
