""""Update available": shown when a new service worker is waiting; Reload applies it."""
from app.compat import create_proxy, js, js_get
from app.ui.dom import h

_proxies = []  # keep the JS callbacks alive for the page's lifetime


def _show(_event=None):
    if js.document.getElementById("update-banner"):
        return
    button = h("button", "Reload", type="button")
    banner = h("div", h("span", "Update available. "), button,
               id="update-banner", class_="update-banner", role="status")
    handler = create_proxy(lambda _e: js.window.appUpdate.apply())
    _proxies.append(handler)
    button.addEventListener("click", handler)
    js.document.body.prepend(banner)


def install():
    update = js_get(js.window, "appUpdate")
    if update is not None and update.available:
        _show()
    listener = create_proxy(_show)
    _proxies.append(listener)
    js.window.addEventListener("app:update-available", listener)
