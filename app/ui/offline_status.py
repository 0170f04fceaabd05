"""The header line that says whether the app works offline yet.

The service worker keeps the runtimes once the app is ready and then says so
(static/js/sw-register.js turns its answer into root[data-offline] and an "app:offline"
event); until then the first visit needs the network."""
from app.compat import create_proxy, js, js_get
from app.ui.dom import by_id, h, missing

TEXT = {
    "saving": "Saving the app for offline use…",
    "ready": "Ready to work offline.",
    "failed": "Could not save the app for offline use: {message}",
    "unavailable": "Offline use is not available here (service worker: {message}).",
}
_proxies = []  # keep the JS callback alive for the page's lifetime


def render(header):
    line = h("p", id="offline-status", class_="offline-status", role="status")
    header.append(line)
    dataset = js.document.documentElement.dataset
    state, message = js_get(dataset, "offline"), None
    if not isinstance(state, str):
        # boot.js wrote how registering the worker went: "claimed" or "controlled" means it
        # is saving; anything else ("failed", "blocked", "unsupported", "timeout") means not.
        worker = js_get(dataset, "serviceWorker", "unsupported")
        state, message = ("saving", None) if worker in ("claimed", "controlled") else \
            ("unavailable", worker)
    show(state, message, line=line)
    listener = create_proxy(lambda event: show(event.detail.state, js_get(event.detail, "message")))
    _proxies.append(listener)
    js.window.addEventListener("app:offline", listener)
    return line


def show(state, message=None, line=None):
    line = by_id("offline-status") if line is None else line
    if not missing(line):
        line.textContent = TEXT.get(state, state).format(message=message or "unknown error")
        line.dataset.state = state
