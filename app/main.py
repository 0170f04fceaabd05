"""Boot: render the shell, install the dev hook, mark the app ready (or failed, visibly)."""
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
        from app.engines.active import active
        from app.engines.embedded import locate_embedded
        from app.ui.engine_panel import render_engine_panel
        from app.ui.shell import render_shell
        from app.ui.webllm_panel import render_webllm_panel

        devhooks.install()
        render_shell()
        panel = render_engine_panel(active, locate_embedded)
        render_webllm_panel(panel.section.parentElement)
        from app.ui.panels import mount_todos_and_chat
        await mount_todos_and_chat()
    except Exception as exc:  # boot must end in a visible state, never a blank page
        traceback.print_exc()
        set_state("error", f"The app could not start: {exc!r}")
        return
    set_state("ready")
