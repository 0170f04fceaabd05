"""The chat benchmark's setup (CPython): registered, same prompt for both sides."""
from tools.bench import chat, suites


def test_chat_suite_is_registered_and_asks_about_five_todos():
    assert "chat" in suites()
    assert len(chat.TODOS) == 5
    assert all(todo in chat.MESSAGES[0]["content"] for todo in chat.TODOS)
    assert chat.MESSAGES[-1]["role"] == "user"
    # The Python side and the JS baseline send the same request parameters.
    assert "max_tokens=%d" in chat.CHAT_PY and "cache_prompt" in chat.CHAT_PY
    assert "temperature: 0" in chat.CHAT_JS
