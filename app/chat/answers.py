"""Replies written by code: answers to list questions (from the facts) and the wording of
command confirmations. Numbers here are computed, never guessed by a model."""
import datetime

from app.todos.facts import fmt_date, plural

LISTED = 10          # titles spelled out in a reply before "and N more"


def quoted(title):
    return f"“{title}”"


def title_list(todos, today, with_due=False, limit=LISTED):
    shown = [quoted(t.title) + (f" (due {fmt_date(t.due, today)})" if with_due and t.due else "")
             for t in todos[:limit]]
    rest = len(todos) - len(shown)
    return "; ".join(shown) + (f"; and {rest} more" if rest > 0 else "")


def answer(topic, facts, arg=""):
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
        return upcoming(facts, arg)
    raise ValueError(f"unknown topic {topic!r}")


WINDOWS = {"this_week": "this week", "next_week": "next week", "this_month": "this month",
           "next_month": "next month"}


def in_window(day, today, window):
    """Is `day` in "this_week" / "next_week" / "this_month" / "next_month" seen from today?"""
    if window in ("this_week", "next_week"):
        monday = today - datetime.timedelta(days=today.weekday())
        if window == "next_week":
            monday += datetime.timedelta(days=7)
        return monday <= day < monday + datetime.timedelta(days=7)
    year, month = today.year, today.month
    if window == "next_month":
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return (day.year, day.month) == (year, month)


def upcoming(facts, window=""):
    todos = [t for t in facts.upcoming if not window or in_window(t.due, facts.today, window)]
    if not todos:
        return (f"Nothing open is due {WINDOWS[window]}." if window
                else "Nothing open has a due date after today.")
    head = f"Due {WINDOWS[window]}" if window else "Coming up"
    return f"{head}: {title_list(todos, facts.today, True)}."


# ---------------------------------------------------------------- what to do first, and why

def suggestion(place, ranking):
    """The to-do at `place` of the ranking (app.todos.priority), with its reason."""
    if not ranking:
        return "Your list has nothing open: nothing to do first."
    if place >= len(ranking):
        return (f"That was the last one: after {quoted(ranking[-1].todo.title)} nothing open "
                "is left.")
    item = ranking[place]
    lead = "Start with" if place == 0 else "After that:"
    return f"{lead} {quoted(item.todo.title)}: {item.reason}."


def why(item, place):
    """The reason for a suggestion, from the same ranking that made it."""
    from app.todos.priority import RULE
    return f"Because {item.reason}. {RULE}"


def about(todos, topic, today):
    if not todos:
        return f"None of your to-dos seems to be about {topic}."
    if len(todos) == 1:
        todo = todos[0]
        return f"That is {quoted(todo.title)}" + (" (done)." if todo.done else
                                                   f" (due {fmt_date(todo.due, today)})." if todo.due else ".")
    return f"These look like they are about {topic}: {title_list(todos, today, True)}."


def overview(facts, ranking):
    """A short summary of the list: the code's answer when the model's reply cannot be used."""
    parts = [f"You have {plural(len(facts.open), 'open to-do')}"]
    extra = []
    if facts.overdue:
        extra.append(f"{len(facts.overdue)} overdue")
    if facts.due_today:
        extra.append(f"{len(facts.due_today)} due today")
    text = parts[0] + (f" ({', '.join(extra)})" if extra else "") + "."
    if ranking:
        text += f" I would start with {quoted(ranking[0].todo.title)}: {ranking[0].reason}."
    return text


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


HELP = ("I understand these right away, with or without a model: “I need to buy milk” "
        "(or “remind me to pay rent on friday”), “I finished the milk”, “scratch the milk”, "
        "“move the rent to tomorrow”, “rename buy milk to buy oat milk”, “what is overdue?”, "
        "“what should I do first?” (and “why?”), “which one is about my teeth?”, "
        "“how many open to-dos do I have?”, “what have I done?”.")

NO_MODEL = ("I can change your list and answer questions about it right now, but for anything "
            "else I need a language model. Load the built-in model (no download), or download "
            "a larger one. " + HELP)
