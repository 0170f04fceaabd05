"""The grounded system prompt and fitting the conversation into the context window."""
import datetime

from app.chat.answers import answer
from app.chat.prompt import INSTRUCTIONS, MAX_FACTS_TOKENS, estimate_tokens, fit_messages, system_prompt
from app.todos.facts import compute_facts
from app.todos.model import make_todo

TODAY = datetime.date(2026, 11, 20)


def sample_facts():
    todos = [make_todo("Buy milk"), make_todo("Pay rent", "2026-11-18"),
             make_todo("Call mom", TODAY), make_todo("Walk dog").with_changes(done=True),
             make_todo("Email Bob").with_changes(done=True)]
    return compute_facts(todos, TODAY)


def test_system_prompt_carries_counts_and_titles():
    text, notice = system_prompt(sample_facts())
    assert notice is None
    assert "Today is Friday 20 November 2026." in text
    assert "To-dos: 5 (3 open, 2 done). Overdue: 1. Due today: 1." in text
    assert "Open (3): Buy milk; Pay rent (overdue, due Wed 18 Nov); Call mom (due today)." in text
    assert "Done (2): Walk dog; Email Bob." in text
    assert text.startswith(INSTRUCTIONS + "\nToday is")      # the stable part comes first


def test_with_a_ranking_open_titles_come_in_the_order_to_do_them():
    from app.todos.priority import ranked
    facts = sample_facts()
    text, _ = system_prompt(facts, ranking=ranked([*facts.open, *facts.done], TODAY))
    assert ("Open, in the order to do them (3): Pay rent (overdue, due Wed 18 Nov); "
            "Call mom (due today); Buy milk.") in text


def test_a_long_list_is_summarised_within_budget_with_a_notice():
    todos = [make_todo(f"Task number {i}", "2026-11-01" if i % 50 == 0 else None)
             for i in range(500)]
    facts = compute_facts(todos, TODAY)
    text, notice = system_prompt(facts)
    assert estimate_tokens(text) <= MAX_FACTS_TOKENS
    assert "To-dos: 500 (500 open, 0 done). Overdue: 10." in text   # counts always stay
    assert "Open (500): Task number 0 (overdue, due Sun 1 Nov); Task number 1;" in text
    assert "more." in text
    assert "summary" in notice and "500 to-dos" in notice


def test_one_huge_title_cannot_crowd_out_the_rest():
    facts = compute_facts([make_todo("x" * 500), make_todo("Buy milk")], TODAY)
    text, notice = system_prompt(facts)
    assert "Buy milk" in text and notice is None


def test_history_is_trimmed_oldest_first_and_facts_stay():
    system = "FACTS " * 50
    turns = []
    for i in range(40):
        turns += [("user", f"question {i} " + "words " * 30), ("assistant", f"answer {i} " + "words " * 30)]
    turns.append(("user", "latest question"))
    messages, dropped = fit_messages(system, turns, context_size=1024, reply_tokens=200)
    assert messages[0] == ("system", system)
    assert messages[-1] == ("user", "latest question")
    assert messages[1][0] == "user"                          # alternation kept
    assert "question 39" in messages[-3][1]                  # newest kept, oldest dropped
    assert dropped > 0 and not any("question 0 " in m[1] for m in messages)
    assert sum(estimate_tokens(m[1]) for m in messages) + 200 <= 1024


def test_an_oversized_message_is_cut_to_fit():
    messages, _ = fit_messages("facts", [("user", "word " * 5000)], context_size=512,
                               reply_tokens=100)
    assert sum(estimate_tokens(m[1]) for m in messages) + 100 <= 512


def test_fact_answers_state_the_numbers():
    facts = sample_facts()
    assert answer("count_open", facts) == ("You have 3 open to-dos: “Buy milk”; “Pay rent”; "
                                           "“Call mom”.")
    assert answer("count_done", facts).startswith("You have completed 2 to-dos")
    assert answer("count_all", facts) == "You have 5 to-dos: 3 open and 2 done."
    assert answer("overdue", facts) == "1 to-do is overdue: “Pay rent” (due Wed 18 Nov)."
    assert answer("due_today", facts) == "Due today (1): “Call mom”."
    assert "“Walk dog”" in answer("list_done", facts)
    assert answer("upcoming", facts) == "Nothing open has a due date after today."
    empty = compute_facts([], TODAY)
    assert answer("overdue", empty) == "Nothing is overdue."
    assert answer("count_open", empty).startswith("You have 0 open to-dos")


def test_long_answers_list_ten_titles_then_a_count():
    facts = compute_facts([make_todo(f"t{i}") for i in range(25)], TODAY)
    text = answer("list_open", facts)
    assert "“t9”" in text and "“t10”" not in text and "and 15 more" in text
