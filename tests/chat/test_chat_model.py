"""The chat with the embedded SmolLM2-135M model on wllama, in real Chromium, loaded through
the chat's own "Load the built-in model" button. Greedy decoding, no prompt cache."""
import re

import pytest

from tests.chat.conftest import (GREEDY, REPLY_TIMEOUT_MS, clear_list, reply_text, send,
                                 wait_ended)
from tests.conftest import run_py

pytestmark = pytest.mark.browser

CHAT = "from app.ui.panels import mounted\nchat = mounted['chat']\n"


def test_model_is_loaded_and_offer_is_gone(model_page):
    page = model_page
    assert "smollm2" in page.locator(".chat-status").inner_text()
    assert not page.get_by_role("button", name="Load the built-in model").is_visible()


def test_five_todos_two_done_the_reply_states_three(model_page):
    page = model_page
    clear_list(page)
    for title in ("Buy milk", "Pay rent", "Call mom", "Walk dog", "Email Bob"):
        page.get_by_role("textbox", name="New to-do").fill(title)
        page.get_by_role("button", name="Add", exact=True).click()
        page.get_by_role("checkbox", name=title, exact=True).wait_for()
    page.get_by_role("checkbox", name="Buy milk").check()
    page.get_by_role("checkbox", name="Walk dog").check()
    page.wait_for_function("document.querySelector('.todo-summary').textContent.startsWith('3 open')")
    reply = send(page, "How many open to-dos do I have?")
    assert re.search(r"\b3\b", reply_text(reply))
    # The model itself, when it has to answer, states the number code put in its prompt.
    run_py(page, CHAT + "chat.assistant.route_facts = False")
    try:
        reply = send(page, "How many open to-dos do I have?")
        assert reply.get_attribute("data-kind") == "model"
        assert re.search(r"\b(3|three)\b", reply_text(reply), re.I), reply_text(reply)
    finally:
        run_py(page, CHAT + "chat.assistant.route_facts = True")


def test_commands_are_applied_by_code_with_a_model_loaded(model_page):
    page = model_page
    clear_list(page)
    reply = send(page, "add call mom")
    assert reply.get_attribute("data-kind") == "command"
    assert reply_text(reply) == "Added “call mom”."
    page.get_by_role("checkbox", name="call mom", exact=True).wait_for()
    assert reply_text(send(page, "mark call mom done")) == "Marked “call mom” as done."
    page.wait_for_function("document.querySelector('#todos-body input[type=checkbox]').checked")


def test_stop_ends_a_streaming_reply_early(model_page):
    page = model_page
    run_py(page, GREEDY.format(n=200))
    try:
        reply = send(page, "Write a long story about a dragon who keeps a to-do list.", wait=False)
        page.wait_for_function(
            "() => { const m = [...document.querySelectorAll('.msg-assistant')].pop();"
            "        return m.querySelector('.msg-text').textContent.length > 10; }",
            timeout=REPLY_TIMEOUT_MS)
        assert page.get_by_role("button", name="Stop").is_enabled()
        page.get_by_role("button", name="Stop").click()
        wait_ended(page, reply)
        assert reply.get_attribute("data-state") == "stopped"
        assert "(stopped)" in reply.inner_text()
        finish, tokens = run_py(page, CHAT + "s = chat.assistant.engine.last_reply\n[s.finish, s.tokens]")
        assert finish == "aborted" and tokens < 200
        assert page.get_by_role("button", name="Stop").is_disabled()
        assert page.get_by_role("button", name="Send").is_enabled()
    finally:
        run_py(page, GREEDY.format(n=16))


def test_regenerate_replaces_the_last_reply(model_page):
    page = model_page
    first = reply_text(send(page, "Give me one tip to stay organised."))
    assert first.strip()
    replies = page.locator(".msg-assistant")
    count = replies.count()
    page.get_by_role("button", name="Regenerate").click()
    page.wait_for_function(
        "n => { const m = document.querySelectorAll('.msg-assistant');"
        "       return m.length === n && m[n - 1].dataset.state === 'done'; }", arg=count,
        timeout=REPLY_TIMEOUT_MS)
    assert reply_text(replies.nth(count - 1)) == first     # greedy: the same words again
    turns = run_py(page, CHAT + "[t.kind for t in chat.assistant.turns][-1:]")
    assert turns == ["model"]


def test_500_todos_fit_the_context_and_the_user_is_told(model_page):
    page = model_page
    clear_list(page)
    run_py(page, CHAT + "await mounted['todos'].todos.add_many("
                        "[f'Errand number {i} for the week' for i in range(500)])")
    page.wait_for_function("document.querySelector('.todo-summary').textContent.startsWith('500 open')")
    reply = send(page, "Say something kind about my errands.")
    assert reply.get_attribute("data-state") == "done", reply.inner_text()
    notice = page.locator(".msg-notice").last
    assert "summary" in notice.inner_text() and "500 to-dos" in notice.inner_text()
    prompt_tokens, n_ctx, max_tokens = run_py(page, CHAT + """
e = chat.assistant.engine
[e.last_reply.prompt_tokens, e.info().context_size, chat.assistant.options.max_tokens]""")
    assert 0 < prompt_tokens and prompt_tokens + max_tokens <= n_ctx
    clear_list(page)


def test_model_replies_with_html_run_no_script(model_page):
    page = model_page
    reply = send(page, "Repeat exactly: <img src=x onerror=alert(1)> <script>alert(2)</script>")
    assert reply.get_attribute("data-state") == "done"
    assert page.evaluate("document.querySelectorAll('#app img, #app script').length") == 0
    assert page.dialogs == []


def test_thinking_shows_the_elapsed_time_until_the_first_words(model_page):
    page = model_page
    clear_list(page)
    reply = send(page, "Give me one tip to stay focused.", wait=False)
    thinking = reply.locator(".msg-thinking")
    thinking.wait_for(timeout=REPLY_TIMEOUT_MS)
    page.wait_for_function(
        "() => /^thinking… \\d+\\.\\d s$/.test(document.querySelector('.msg-thinking')?.textContent)",
        timeout=REPLY_TIMEOUT_MS)
    assert page.get_by_role("button", name="Stop").is_enabled()
    wait_ended(page, reply)
    assert reply.get_attribute("data-state") == "done"
    assert thinking.count() == 0 and reply_text(reply).strip()


def test_stop_works_while_the_model_is_still_thinking(model_page):
    page = model_page
    run_py(page, GREEDY.format(n=200))
    try:
        reply = send(page, "Write a long story about a dragon who keeps a to-do list.", wait=False)
        reply.locator(".msg-thinking").wait_for(timeout=REPLY_TIMEOUT_MS)
        page.get_by_role("button", name="Stop").click()
        wait_ended(page, reply)
        assert reply.get_attribute("data-state") == "stopped"
        assert reply.locator(".msg-thinking").count() == 0
        tokens = run_py(page, CHAT + "chat.assistant.engine.last_reply.tokens")
        assert tokens < 200
        assert page.get_by_role("button", name="Send").is_enabled()
    finally:
        run_py(page, GREEDY.format(n=16))


def test_a_follow_up_turn_reuses_the_prompt_cache(model_page):
    """With the app's own setting (prompt cache on), turn 2 about the same list evaluates only
    its new tokens: the instructions, the facts and turn 1 are already in wllama's KV cache."""
    page = model_page
    clear_list(page)
    run_py(page, CHAT + """
from app.engines.base import GenerationOptions
a = chat.assistant
a.options = GenerationOptions(max_tokens=16, temperature=0)      # cache_prompt: the default
a.forget()
await mounted['todos'].todos.add_many(['Sort the garage shelves', 'Plan the Lisbon trip',
                                       'Book a piano tuner', 'Return the library DVDs',
                                       'Order new running shoes'])""")
    try:
        send(page, "Cheer me up with one sentence.")
        turn1 = run_py(page, CHAT + "chat.assistant.engine.last_reply.prompt_tokens")
        send(page, "Say it in other words.")
        turn2 = run_py(page, CHAT + "chat.assistant.engine.last_reply.prompt_tokens")
        # Turn 1 may itself reuse the instructions cached by an earlier test on this page; what
        # it evaluates is at least this list's facts and the message, turn 2 only its new turn.
        assert 0 < turn2 < turn1 / 3, (turn1, turn2)
    finally:
        run_py(page, GREEDY.format(n=16))
        clear_list(page)
