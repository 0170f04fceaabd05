"""Boot: render the shell, the to-do list and the chat, mark the app ready (or failed,
visibly), then mount the models panel's features.

The models panel (storage, downloads, engines) is not needed to use the list, so it mounts
after the first paint of the list: the app is usable sooner, and a feature that fails to
mount says so in its own place without taking the app down. `data-features` on the root
element tells when it is done ("ready" or "error")."""
import traceback

from app.compat import js


def set_state(state, message=None):
    js.document.documentElement.dataset.appState = state
    js.performance.mark(f"app-{state}")
    if message:
        from app.ui.dom import by_id, h
        by_id("app").append(h("p", message, class_="boot-error", role="alert"))


async def start():
    try:
        from app import devhooks
        from app.ui import update_banner
        from app.ui.panels import mount_todos_and_chat
        from app.ui.shell import render_shell

        devhooks.install()
        render_shell()
        update_banner.install()
        await mount_todos_and_chat()
    except Exception as exc:  # boot must end in a visible state, never a blank page
        traceback.print_exc()
        set_state("error", f"The app could not start: {exc!r}")
        return
    set_state("ready")
    from app.ui.panels import after_paint, mount_model_features
    await after_paint()
    await mount_model_features()
