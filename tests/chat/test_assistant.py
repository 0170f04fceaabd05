"""The assistant routes to code or the model, applies commands, streams, stops, regenerates.
Uses a scripted engine: these are unit tests of the chat logic; the browser tests use wllama."""
import datetime

from app.chat.assistant import Assistant
from app.todos.todolist import MemoryStore, TodoList
from tests.chat.fakes import FakeEngine
from tests.aio import run

TODAY = datetime.date(2026, 11, 20)


def make(engine=None, titles=()):
    todos = TodoList(MemoryStore())
    run(todos.add_many(list(titles))) if titles else None
    return Assistant(todos, engine=engine, today=lambda: TODAY)


async def say(assistant, text):
    reply = await assistant.respond(text)
    parts = [d async for d in reply.stream()]
    return reply, "".join(parts)


def test_commands_change_the_list_and_confirm_without_a_model():
    a = make()

    async def go():
        out = [(await say(a, "add call mom"))[1], (await say(a, "mark call mom done"))[1],
               (await say(a, "mark call mom done"))[1], (await say(a, "uncheck call mum"))[1],
               (await say(a, "rename call mom to call mum"))[1], (await say(a, "delete call mum"))[1],
               (await say(a, "delete call mum"))[1]]
        return out
    out = run(go())
    assert out == ["Added “call mom”.", "Marked “call mom” as done.", "“call mom” is already done.",
                   "Marked “call mom” as not done.", "Renamed “call mom” to “call mum”.",
                   "Deleted “call mum”.",
                   "I couldn't find a to-do matching “call mum”. Nothing was changed."]
    assert a.todos.items == []


def test_ambiguous_command_asks_and_changes_nothing():
    a = make(titles=["Call mom", "Call dad"])
    reply, text = run(say(a, "delete call"))
    assert text.startswith("Which one do you mean") and not reply.changed
    assert len(a.todos) == 2


def test_fact_questions_are_answered_by_code_even_with_a_model():
    engine = FakeEngine("The model should not be asked.")
    a = make(engine, titles=["a", "b", "c", "d", "e"])

    async def go():
        for t in a.todos.items[:2]:
            await a.todos.set_done(t.id)
        return await say(a, "How many open to-dos do I have?")
    reply, text = run(go())
    assert reply.kind == "facts" and text.startswith("You have 3 open to-dos")
    assert engine.calls == []


def test_without_a_model_free_chat_offers_to_load_one():
    reply, text = run(say(make(), "Tell me a joke"))
    assert reply.kind == "no-model" and "Load the built-in model" in text


def test_model_replies_are_grounded_and_remember_the_conversation():
    engine = FakeEngine("You should start with the rent.")
    a = make(engine, titles=["Pay rent", "Buy milk"])

    async def go():
        await say(a, "add call mom")
        first = await say(a, "Any advice for today?")
        second = await say(a, "Tell me more")
        return first, second
    (reply, text), _ = run(go())
    assert reply.kind == "model" and text.strip() == "You should start with the rent."
    system, *rest = engine.calls[-1]
    assert system.role == "system" and "To-dos: 3 (3 open, 0 done)" in system.content
    assert "Open, in the order to do them (3): Pay rent; Buy milk; call mom." in system.content
    assert [m.role for m in rest] == ["user", "assistant", "user", "assistant", "user"]
    assert rest[1].content == "Added “call mom”."
    assert rest[3].content.strip() == "You should start with the rent."


def test_stop_ends_a_reply_early_and_keeps_what_was_said():
    engine = FakeEngine(" ".join(f"w{i}" for i in range(200)), delay=0.001)
    a = make(engine)

    async def go():
        reply = await a.respond("Write me a long story")
        got = []
        async for delta in reply.stream():
            got.append(delta)
            if len(got) == 3:
                a.stop()
        return reply, got
    reply, got = run(go())
    assert reply.stopped and len(got) == 3 and reply.text == "w0 w1 w2 "
    assert a.turns[-1].reply == "w0 w1 w2 " and a.current is None


def test_regenerate_replaces_the_last_model_reply_only():
    engine = FakeEngine("first")
    a = make(engine)

    async def go():
        await say(a, "hello")
        engine.reply = "second"
        again = a.regenerate()
        text = "".join([d async for d in again.stream()])
        await say(a, "add x")
        return text, a.regenerate()
    text, after_command = run(go())
    assert text.strip() == "second" and a.turns[0].reply.strip() == "second"
    assert len(engine.calls) == 2 and [m.role for m in engine.calls[1]] == ["system", "user"]
    assert after_command is None               # a command is never re-run by "regenerate"


def test_500_todos_fit_the_context_with_a_notice():
    engine = FakeEngine("ok", context_size=2048)
    a = make(engine, titles=[f"Task {i}" for i in range(500)])
    reply, _ = run(say(a, "Tell me a story about my week"))
    from app.chat.prompt import estimate_tokens
    prompt = engine.calls[-1]
    assert sum(estimate_tokens(m.content) for m in prompt) + a.options.max_tokens <= 2048
    assert reply.notices and "summary" in reply.notices[0]


def test_list_questions_can_go_to_the_model_when_asked():
    engine = FakeEngine("3")
    a = make(engine, titles=["a"])
    a.route_facts = False
    reply, _ = run(say(a, "How many open to-dos do I have?"))
    assert reply.kind == "model" and engine.calls


def test_replies_from_before_a_model_was_loaded_stay_out_of_its_prompt():
    a = make()
    run(say(a, "Tell me a joke"))
    a.engine = FakeEngine("ok")
    run(say(a, "Tell me a joke"))
    assert [m.role for m in a.engine.calls[-1]] == ["system", "user"]


def test_questions_about_one_item_are_answered_from_the_list():
    engine = FakeEngine("The model should not be asked.")
    a = make(engine, titles=["Pay rent", "Water the plants"])

    async def go():
        await a.todos.set_done(a.todos.items[1].id)
        await a.todos.update(a.todos.items[0].id, due=TODAY.replace(day=18))
        return [(await say(a, q))[1] for q in ("Have I paid the rent yet?",
                                                "Did I water the plants?",
                                                "Is it going to rain?")]
    rent, plants, rain = run(go())
    assert rent == "“Pay rent” is still open and overdue: it was due Wed 18 Nov."
    assert plants == "“Water the plants” is done."
    assert rain.strip() == "The model should not be asked."     # no item named: the model
    assert len(engine.calls) == 1


def fixture_list(engine=None):
    a = make(engine)

    async def fill():
        await a.todos.add_many([("Buy milk", None), ("Pay rent", "2026-11-18"), ("Call mom", TODAY),
                                ("Book dentist appointment", "2026-11-24"), ("Call the plumber", None)])
    run(fill())
    return a


def test_what_first_why_and_then_come_from_one_ranking():
    a = fixture_list()

    async def go():
        return [(await say(a, q))[1] for q in ("What should I do first today?", "Why that one?",
                                                "ok and after that?", "why?", "then what?")]
    first, why, then, why2, then2 = run(go())
    assert first.startswith("Start with “Pay rent”: it is overdue")
    assert why.startswith("Because it is overdue (it was due Wed 18 Nov, 2 days ago)")
    assert then.startswith("After that: “Call mom”: it is due today")
    assert why2.startswith("Because it is due today")
    assert "“Book dentist appointment”" in then2


def test_it_means_the_to_do_just_talked_about():
    a = fixture_list()

    async def go():
        await say(a, "whats most urgent")
        return (await say(a, "mark it done"))[1], (await say(a, "what should i do first"))[1]
    done, first = run(go())
    assert done == "Marked “Pay rent” as done."
    assert "“Call mom”" in first                       # the ranking follows the list


def test_an_ambiguous_command_is_asked_back_and_the_answer_applied():
    a = fixture_list()

    async def go():
        asked = (await say(a, "delete call"))[1]
        answered = (await say(a, "the plumber"))[1]
        again = (await say(a, "done with the call"))[1]
        second = (await say(a, "the first one"))[1]
        return asked, answered, again, second
    asked, answered, again, second = run(go())
    assert asked == "Which one do you mean: “Call mom” or “Call the plumber”? Nothing was changed."
    assert answered == "Deleted “Call the plumber”."
    assert again == "Marked “Call mom” as done."         # only one call left: no question
    assert "Call the plumber" not in [t.title for t in a.todos.items]
    assert second != "Marked “Call mom” as done."        # no question pending: not re-applied


def test_a_different_message_after_a_question_is_read_on_its_own():
    a = fixture_list()

    async def go():
        await say(a, "delete call")
        return await say(a, "how many open to-dos do I have?")
    reply, text = run(go())
    assert text.startswith("You have 5 open to-dos") and len(a.todos) == 5


def test_find_by_meaning_and_then_act_on_it():
    a = fixture_list()

    async def go():
        found = (await say(a, "Which of my tasks is about my teeth?"))[1]
        moved = (await say(a, "move it to friday"))[1]
        return found, moved
    found, moved = run(go())
    assert found == "That is “Book dentist appointment” (due Tue 24 Nov)."
    assert moved == "“Book dentist appointment” is now due Fri 27 Nov."


def test_soft_phrasings_that_name_no_to_do_go_to_the_model():
    engine = FakeEngine("Nice!")
    a = fixture_list(engine)
    reply, _ = run(say(a, "I called the bank"))           # not "Pay rent", not "Call mom"
    assert reply.kind == "model" and len(a.todos) == 5 and not any(t.done for t in a.todos.items)
    reply, _ = run(say(a, "I called my mom"))
    assert reply.kind == "command" and a.todos.items[2].done


def test_a_model_reply_that_contradicts_the_list_is_replaced_by_the_code_answer():
    engine = FakeEngine("You have 3 open tasks, start with “Book flights”.")
    a = fixture_list(engine)
    reply, streamed = run(say(a, "Any advice?"))
    assert streamed.startswith("You have 3 open tasks")     # streamed as it came
    assert reply.replaced.startswith("count")
    assert reply.text == ("You have 5 open to-dos (1 overdue, 1 due today). I would start with "
                          "“Pay rent”: it is overdue (it was due Wed 18 Nov, 2 days ago), the only "
                          "overdue to-do.")
    assert a.turns[-1].reply == reply.text                   # the history holds what was shown
    engine.reply = "Take it one step at a time."
    reply, _ = run(say(a, "Any advice?"))
    assert not reply.replaced and reply.text.strip() == "Take it one step at a time."


def test_the_app_caps_replies_and_keeps_the_prompt_prefix_stable():
    engine = FakeEngine("ok")
    a = fixture_list(engine)
    assert a.options.max_tokens <= 100
    run(say(a, "Any advice?"))
    first = engine.calls[-1][0].content
    run(a.todos.add("Buy bread"))
    run(say(a, "Any advice?"))
    second = engine.calls[-1][0].content
    from app.chat.prompt import INSTRUCTIONS
    today_line = first.split("\n")[1]
    assert first.startswith(INSTRUCTIONS) and second.startswith(INSTRUCTIONS + "\n" + today_line)
    assert first != second                                   # the facts changed, at the end


def test_follow_ups_in_other_words_and_reports_that_name_the_object():
    a = fixture_list()

    async def go():
        await say(a, "what should i do first")
        then = (await say(a, "ok what about after that"))[1]
        why = (await say(a, "hmm and why is that"))[1]
        await a.todos.add("Submit expense report")
        sent = (await say(a, "i sent the expense report"))[1]
        return then, why, sent
    then, why, sent = run(go())
    assert then.startswith("After that: “Call mom”")
    assert why.startswith("Because it is due today")
    assert sent == "Marked “Submit expense report” as done."   # "sent" is not in the title
