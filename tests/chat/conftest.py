"""Chat browser fixtures: one booted app page per module (booting and loading the model take
seconds), helpers to talk to the assistant through its accessible controls."""
import pytest

from tests.conftest import RequestGuard, run_py, wait_for_boot
from tests.ui.checks import python_errors
from tools.browser import DEFAULT_CONFIG

REPLY_TIMEOUT_MS = 600_000   # a shared 2-core machine can be very slow; CI is not
GREEDY = ("from app.engines.base import GenerationOptions\n"
          "from app.ui.panels import mounted\n"
          "mounted['chat'].assistant.options = GenerationOptions(max_tokens={n}, temperature=0, "
          "extra={{'cache_prompt': False}})\n")


def boot_page(browser, server, config=DEFAULT_CONFIG):
    """The app booted in a new context of `browser` (as tools.browser's `config` launched it)."""
    guard = RequestGuard()
    context = config.new_context(browser, service_workers="block")
    guard.attach(context)
    page = context.new_page()
    page.console_messages_seen, page.dialogs = [], []
    page.on("console", lambda m: page.console_messages_seen.append(f"{m.type}: {m.text}"))
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/")
    assert wait_for_boot(page) == "ready", page.inner_text("body")
    return context, page, guard


def close_page(context, page, guard):
    """Close a page from boot_page; fail on Python errors, requests off the machine, dialogs."""
    errors = python_errors(page)
    context.close()
    assert not errors, errors
    assert not guard.blocked, f"requests tried to leave the machine: {guard.blocked}"
    assert not page.dialogs, f"a script opened dialogs: {page.dialogs}"


@pytest.fixture(scope="module")
def chat_page(browser, server):
    """The app with no model loaded."""
    context, page, guard = boot_page(browser, server)
    yield page
    close_page(context, page, guard)


@pytest.fixture(scope="module")
def model_page(browser, server):
    """The app with the embedded model loaded through the chat's own button, greedy replies."""
    context, page, guard = boot_page(browser, server)
    page.get_by_role("button", name="Load the built-in model").click()
    page.wait_for_function("document.querySelector('.chat-status').textContent.startsWith('Model:')",
                           timeout=REPLY_TIMEOUT_MS)
    run_py(page, GREEDY.format(n=16))
    yield page
    close_page(context, page, guard)


def send(page, text, wait=True):
    """Type `text` into "Message", press "Send"; -> the reply's locator once it has ended."""
    replies = page.locator(".msg-assistant")
    before = replies.count()
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("button", name="Send").click()
    page.wait_for_function("n => document.querySelectorAll('.msg-assistant').length > n", arg=before,
                           timeout=REPLY_TIMEOUT_MS)
    reply = replies.nth(before)
    if wait:
        wait_ended(page, reply)
    return reply


def wait_ended(page, reply):
    reply.and_(page.locator("[data-state=done], [data-state=stopped], [data-state=error]")) \
        .wait_for(timeout=REPLY_TIMEOUT_MS)
    return reply


def reply_text(reply):
    return reply.locator(".msg-text").inner_text()


def clear_list(page):
    run_py(page, "from app.ui.panels import mounted\ntodos = mounted['todos'].todos\n"
                 "await todos.delete_many([t.id for t in todos.items])\nlen(todos)")
