"""A dedicated JS worker driven from Python (what the OPFS store and the download hasher use).

Its messages and errors go to Python handlers until `terminate()`, which also frees the
handlers' proxies (a proxy left alive would keep the handler's objects for the page's life).
"""
from app.compat import create_proxy, js


class Worker:
    def __init__(self, url, on_message, on_error):
        """`url`: relative to the page (like `new Worker` in the page's own scripts)."""
        self._worker = js.Worker.new(js.URL.new(url, js.document.baseURI).href)
        self._proxies = [create_proxy(on_message), create_proxy(on_error)]
        self._worker.onmessage, self._worker.onerror = self._proxies

    def post(self, message, transfer=None):
        """postMessage; `transfer`: a Python list of JS objects moved to the worker, not copied."""
        if transfer is None:
            self._worker.postMessage(message)
        else:
            moved = js.Array.new()
            for item in transfer:
                moved.push(item)
            self._worker.postMessage(message, moved)

    def terminate(self):
        if self._worker is not None:
            self._worker.terminate()
            self._worker = None
        for proxy in self._proxies:
            proxy.destroy()
        self._proxies = []
