"""Facts computed by code, and fuzzy title matching."""
import datetime

from app.todos.facts import compute_facts
from app.todos.match import find, normalize
from app.todos.model import make_todo

TODAY = datetime.date(2026, 11, 20)


def test_facts_count_open_done_overdue_and_due_today():
    todos = [make_todo("Buy milk"), make_todo("Pay rent", "2026-11-18"),
             make_todo("Call mom", TODAY), make_todo("Old bill", "2026-11-10"),
             make_todo("Walk dog", "2026-11-01").with_changes(done=True)]
    facts = compute_facts(todos, TODAY)
    assert (len(facts.open), len(facts.done), facts.total) == (4, 1, 5)
    assert facts.open_titles == ["Buy milk", "Pay rent", "Call mom", "Old bill"]
    assert [t.title for t in facts.overdue] == ["Old bill", "Pay rent"]   # most overdue first
    assert [t.title for t in facts.due_today] == ["Call mom"]


def test_normalize_ignores_case_punctuation_and_filler():
    assert normalize("Buy the MILK!") == "buy milk"
    assert normalize("the") == "the"      # only filler: keep it rather than match everything


def titles(*names):
    return [make_todo(n) for n in names]


def test_exact_and_close_matches():
    todos = titles("Buy milk", "Call mom", "Pay rent")
    assert find(todos, "buy milk").found.title == "Buy milk"
    assert find(todos, "the milk").found.title == "Buy milk"        # subset of the words
    assert find(todos, "call mum").found.title == "Call mom"        # spelling
    assert find(todos, "pay the rent today").found.title == "Pay rent"
    assert find(todos, "walk dog").found is None


def test_ambiguous_matches_are_reported_not_guessed():
    todos = titles("Call mom", "Call dad")
    result = find(todos, "call")
    assert result.ambiguous and {t.title for t in result.candidates} == {"Call mom", "Call dad"}


def test_prefer_breaks_ties_between_same_titles():
    done, still_open = make_todo("milk").with_changes(done=True), make_todo("milk")
    assert find([done, still_open], "milk", prefer=lambda t: not t.done).found is still_open
    assert find([done, still_open], "milk").found is done             # duplicates: first one


def test_titles_without_words_never_match_everything():
    todos = titles("<>", "!!!", "Buy milk")
    assert find(todos, "buy milk").found.title == "Buy milk"
    assert find(todos, "anything").found is None


def test_a_sentence_mentioning_one_title_finds_it():
    from app.todos.match import mentioned
    todos = titles("Pay rent", "Water the plants", "Renew passport", "Book dentist appointment",
                   "Call mom", "Call dad")
    assert mentioned(todos, "Have I paid the rent yet?").title == "Pay rent"
    assert mentioned(todos, "Did I water the plants?").title == "Water the plants"
    assert mentioned(todos, "When is the passport renewal due?").title == "Renew passport"
    assert mentioned(todos, "Is the dentist appointment booked?").title == "Book dentist appointment"
    assert mentioned(todos, "Is it going to rain?") is None
    assert mentioned(todos, "Did I call?") is None           # "call" fits two: no guessing
