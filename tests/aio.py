"""Running a coroutine from a sync unit test. Not `asyncio.run` directly: once Playwright's
sync API has started in the session, the main thread has a running loop, so run in a thread."""
import asyncio
from concurrent.futures import ThreadPoolExecutor


def run(coro):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
