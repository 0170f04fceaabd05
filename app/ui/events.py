"""Wiring Python handlers to DOM events: one long-lived proxy per listener, and async
handlers run as tasks whose failures are reported instead of vanishing."""
import asyncio
import traceback

from app.compat import create_proxy


def on(el, event, handler):
    """el.addEventListener(event, handler); keep the returned proxy to remove it later."""
    proxy = create_proxy(handler)
    el.addEventListener(event, proxy)
    return proxy


def spawn(coro, on_error):
    """Run `coro` in the background; `on_error(message)` gets any exception, readably.
    A ValueError is bad input (a title too long, an empty message): its message is all the
    user needs, so it is not printed as a traceback (PyScript shows stderr as an error box)."""
    async def guarded():
        try:
            await coro
        except Exception as exc:  # noqa: BLE001 - shown to the user, never swallowed
            if not isinstance(exc, ValueError):
                traceback.print_exc()
            on_error(str(exc) or type(exc).__name__)
    return asyncio.ensure_future(guarded())
