"""“thinking… 2.4 s” inside a model's reply until its first words arrive: a small model on a
slow CPU can take seconds to read its prompt, and a silent wait looks like a hang."""
import asyncio

from app.compat import js
from app.ui.dom import append, h

TICK = 0.25     # seconds between updates of the elapsed time (each one re-lays out the reply)


class Thinking:
    def __init__(self, parent):
        self._start = js.performance.now()
        self.el = h("span", "thinking…", class_="msg-thinking")
        append(parent, self.el)
        self._task = asyncio.ensure_future(self._tick())

    async def _tick(self):
        while True:
            await asyncio.sleep(TICK)
            seconds = (js.performance.now() - self._start) / 1000
            self.el.textContent = f"thinking… {seconds:.1f} s"

    def done(self):
        """The first words came (or the reply ended): the indicator goes."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
            self.el.remove()
