"""Chromium driven over `--remote-debugging-pipe` with nothing but `Runtime.evaluate`.

For measurements that DevTools instrumentation would distort. Playwright enables the Network
domain in every page and worker, and Chromium's network agent then keeps a copy of response
bodies for `Network.getResponseBody` (up to about 200 MB): a ranged download seen through
Playwright costs the renderer ~200 MiB more and runs ~2.5x slower than the same download with no
client attached (measured here: 1 GiB in 5 MiB ranges, +241-274 MiB vs +72 MiB, 5.1 s vs 2.1 s).
Users have no DevTools attached, so the download benchmark measures this way.

The protocol over the pipe: JSON messages separated by NUL bytes, Chromium reading fd 3 and
writing fd 4; pages are attached in flat mode, so each message names its session.
"""
import fcntl
import json
import os
import subprocess
import threading
import time

from tools.browser import LAUNCH_ARGS, chromium_path

# What Playwright adds so that a headless page is never throttled as a background one.
BENCH_ARGS = ("--headless", "--disable-background-timer-throttling",
              "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows")


class CdpError(RuntimeError):
    pass


class Chromium:
    """A Chromium process on `user_data_dir`; `new_page(url)` gives pages to evaluate in."""

    def __init__(self, user_data_dir, extra_args=()):
        to_chrome_r, self._out = os.pipe()
        self._in, from_chrome_w = os.pipe()
        # Chromium wants the pipe on fds 3 and 4: move both ends out of the way first, so the
        # dup2 calls in the child cannot clobber one another.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)

        def wire():
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)
        self.proc = subprocess.Popen(
            [chromium_path(), *BENCH_ARGS, *LAUNCH_ARGS, *extra_args,
             f"--user-data-dir={user_data_dir}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, pass_fds=(3, 4, *high))
        for fd in high:
            os.close(fd)
        self._next, self._lock = 0, threading.Lock()
        self._waiting = {}                       # id -> [Event, message]
        threading.Thread(target=self._read, daemon=True).start()
        self.version = self.send("Browser.getVersion")["product"].split("/")[-1]

    def _read(self):
        buffered = b""
        while True:
            try:
                data = os.read(self._in, 1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            *messages, buffered = (buffered + data).split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                slot = self._waiting.get(message.get("id"))
                if slot:
                    slot[1] = message
                    slot[0].set()
        for slot in list(self._waiting.values()):    # the browser went away: wake everyone
            slot[0].set()

    def send(self, method, params=None, session=None, timeout=600):
        with self._lock:
            self._next += 1
            ident = self._next
            slot = self._waiting[ident] = [threading.Event(), None]
            message = {"id": ident, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            os.write(self._out, json.dumps(message).encode() + b"\0")
        try:
            if not slot[0].wait(timeout):
                raise CdpError(f"{method}: no answer in {timeout} s")
        finally:
            self._waiting.pop(ident, None)
        if slot[1] is None:
            raise CdpError(f"{method}: the browser went away")
        if "error" in slot[1]:
            raise CdpError(f"{method}: {slot[1]['error'].get('message')}")
        return slot[1].get("result", {})

    def new_page(self, url):
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        return Page(self, session["sessionId"])

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except CdpError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass


class Page:
    def __init__(self, browser, session):
        self.browser, self.session = browser, session

    def evaluate(self, expression, timeout=600):
        """The value of a JS expression (awaited if it is a promise), returned by value."""
        answer = self.browser.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True},
            session=self.session, timeout=timeout)
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CdpError(f"in the page: {text}")
        return answer["result"].get("value")

    def call(self, function, *args, timeout=600):
        """`function` (JS source of a function) applied to JSON-able `args`."""
        return self.evaluate(f"({function})(...{json.dumps(args)})", timeout=timeout)

    def wait_for(self, expression, timeout=120, every=0.1):
        """Poll until the JS expression is truthy; -> its value."""
        end = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression, timeout=timeout)
            except CdpError:
                value = None                 # the page is still navigating
            if value:
                return value
            if time.monotonic() > end:
                raise CdpError(f"timed out waiting for {expression}")
            time.sleep(every)
