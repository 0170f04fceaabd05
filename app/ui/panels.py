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
    mark_after_paint("todos-painted")
    mounted["chat"] = ChatPanel(by_id("chat-body"), mounted["todos"].todos, active=active,
                                load_embedded=load_embedded)
    js.performance.measure("mount-todos-chat", "mount-todos-chat-start")
    return mounted


def mark_after_paint(name):
    """performance.mark(name) once the current DOM has been painted: the second animation
    frame callback runs after the first frame that shows it (the startup benchmark reads it)."""
    from pyodide.ffi import create_once_callable

    from app.compat import js

    def second(_t):
        js.performance.mark(name)

    js.requestAnimationFrame(create_once_callable(
        lambda _t: js.requestAnimationFrame(create_once_callable(second))))


async def load_embedded(on_progress=None):
    """Load the embedded default model into the shared engine -> the Engine. It is taken from
    whichever store holds it (copied into the default store on first use), the same path the
    models panel uses, so it is cached for offline use in one place."""
    from app.engines.active import active
    from app.engines.embedded import locate_embedded

    model, store = await locate_embedded(on_progress)
    return await active.load(model, store, on_progress)
