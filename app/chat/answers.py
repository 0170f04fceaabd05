"""Replies written by code: answers to list questions (from the facts) and the wording of
command confirmations. Numbers here are computed, never guessed by a model."""
from app.todos.facts import fmt_date, plural

LISTED = 10          # titles spelled out in a reply before "and N more"


def quoted(title):
    return f"“{title}”"


def title_list(todos, today, with_due=False, limit=LISTED):
    shown = [quoted(t.title) + (f" (due {fmt_date(t.due, today)})" if with_due and t.due else "")
             for t in todos[:limit]]
    rest = len(todos) - len(shown)
    return "; ".join(shown) + (f"; and {rest} more" if rest > 0 else "")


def answer(topic, facts):
    today = facts.today
    n_open, n_done = len(facts.open), len(facts.done)
    if topic == "count_open":
        if not n_open:
            return "You have 0 open to-dos. Everything is done!" if n_done else \
                "You have 0 open to-dos: your list is empty."
        return f"You have {plural(n_open, 'open to-do')}: {title_list(facts.open, today)}."
    if topic == "count_done":
        if not n_done:
            return "You have completed 0 to-dos so far."
        return f"You have completed {plural(n_done, 'to-do')}: {title_list(facts.done, today)}."
    if topic == "count_all":
        return (f"You have {plural(facts.total, 'to-do')}: {n_open} open and {n_done} done.")
    if topic == "list_open":
        if not n_open:
            return "You have no open to-dos." + (f" ({plural(n_done, 'to-do')} done.)" if n_done else "")
        return f"Your {plural(n_open, 'open to-do')}: {title_list(facts.open, today, True)}."
    if topic == "list_done":
        if not n_done:
            return "You have not completed any to-dos yet."
        return f"You have done {plural(n_done, 'to-do')}: {title_list(facts.done, today)}."
    if topic == "overdue":
        if not facts.overdue:
            return "Nothing is overdue."
        verb = "is" if len(facts.overdue) == 1 else "are"
        return f"{plural(len(facts.overdue), 'to-do')} {verb} overdue: " \
               f"{title_list(facts.overdue, today, True)}."
    if topic == "due_today":
        if not facts.due_today:
            return "Nothing is due today."
        return f"Due today ({len(facts.due_today)}): {title_list(facts.due_today, today)}."
    if topic == "upcoming":
        if not facts.upcoming:
            return "Nothing open has a due date after today."
        return f"Coming up: {title_list(facts.upcoming, today, True)}."
    raise ValueError(f"unknown topic {topic!r}")


def status(todo, today):
    """One item's state, e.g. for "have I paid the rent yet?"."""
    if todo.done:
        return f"{quoted(todo.title)} is done."
    if todo.due is None:
        return f"{quoted(todo.title)} is still open (not done yet), with no due date."
    when = fmt_date(todo.due, today)
    if todo.is_overdue(today):
        return f"{quoted(todo.title)} is still open and overdue: it was due {when}."
    return f"{quoted(todo.title)} is still open; it is due {when}."


HELP = ("I understand these right away, with or without a model: “add buy milk” "
        "(or “add pay rent due friday”), “mark buy milk done”, “mark buy milk not done”, "
        "“delete buy milk”, “rename buy milk to buy oat milk”, “what is overdue?”, "
        "“what is due today?”, “how many open to-dos do I have?”, “what have I done?”.")

NO_MODEL = ("I can change your list and answer questions about it right now, but for anything "
            "else I need a language model. Load the built-in model (no download), or download "
            "a larger one. " + HELP)
