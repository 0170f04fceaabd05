"""The grounded prompt: a system message with facts computed by code, and the conversation
trimmed to fit the engine's context window.

Token counts are estimated (no tokenizer in Python): UTF-8 bytes / 3 overestimates the
SmolLM2/Llama-style BPE tokenizers on English (about 4 bytes per token), so an estimate that
fits means the real prompt fits.
"""
import math

from app.todos.facts import fmt_date, plural

DEFAULT_CONTEXT = 2048
MESSAGE_OVERHEAD = 8            # chat-template tokens around each message
MAX_FACTS_TOKENS = 400          # a long prompt costs seconds of prefill on a small CPU
TITLE_CHARS = 80                # one long title must not crowd out the others
# What the chat box takes (longer: refused with a message). 1,000 characters of 4-byte text
# (emoji) estimate to 1,342 tokens, which fits beside the facts and a reply in the default
# context, so fit_messages never has to cut a message that was accepted.
MAX_MESSAGE = 1000

# First and never changing: wllama's prompt cache (cache_prompt) keeps these tokens between
# replies, and the facts, which change with the list, come after them.
INSTRUCTIONS = ("You help the user with their to-do list. Reply in one or two short sentences. "
                "Use only the facts below; never invent to-dos, numbers or dates.")


def estimate_tokens(text):
    return math.ceil(len(text.encode("utf-8")) / 3) + MESSAGE_OVERHEAD


def _short(title):
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1] + "…"


def _open_item(todo, today):
    if todo.due is None:
        return _short(todo.title)
    when = fmt_date(todo.due, today)
    if todo.due < today:
        return f"{_short(todo.title)} (overdue, due {when})"
    return f"{_short(todo.title)} (due {when})"


def system_prompt(facts, budget=MAX_FACTS_TOKENS, ranking=None):
    """-> (text, notice). Instructions, the date and the counts always stay; open titles
    follow in the order to do them (`ranking`, app.todos.priority; list order without one),
    then done titles, while they fit in `budget`. `notice` says what was left out, or is None
    when everything fits."""
    today = facts.today
    head = [INSTRUCTIONS,
            f"Today is {today:%A} {today.day} {today:%B} {today.year}.",
            f"To-dos: {facts.total} ({len(facts.open)} open, {len(facts.done)} done). "
            f"Overdue: {len(facts.overdue)}. Due today: {len(facts.due_today)}."]
    open_todos = [r.todo for r in ranking] if ranking is not None else list(facts.open)
    sections = [
        ("Open, in the order to do them" if ranking is not None else "Open",
         [_open_item(t, today) for t in open_todos]),
        ("Done", [_short(t.title) for t in facts.done]),
    ]
    used = estimate_tokens("\n".join(head))
    lines, omitted = [], {}
    for name, items in sections:
        if not items:
            continue
        line = f"{name} ({len(items)}): "
        cost = estimate_tokens(line) - MESSAGE_OVERHEAD + 12   # room for "and N more"
        kept = []
        for item in items:
            item_cost = math.ceil(len(item.encode("utf-8")) / 3) + 1
            if used + cost + item_cost > budget:
                break
            kept.append(item)
            cost += item_cost
        if not kept:
            omitted[name] = len(items)
            continue
        used += cost
        rest = len(items) - len(kept)
        if rest:
            omitted[name] = rest
        lines.append(line + "; ".join(kept) + (f"; and {rest} more." if rest else "."))
    notice = None
    if omitted:
        left_out = ", ".join(f"{n} {'done' if name == 'Done' else 'open'}" for name, n in omitted.items())
        notice = (f"Your list is long ({plural(facts.total, 'to-do')}), so the model sees a "
                  f"summary: all the counts, but not every title ({left_out} left out). "
                  "Questions about counts, overdue and due dates are still answered exactly.")
    return "\n".join(head + lines), notice


def fit_messages(system, turns, context_size, reply_tokens):
    """[system, ...recent turns..., latest user] within the context window.

    `turns` are (role, content) pairs ending with the latest user message. The oldest turns
    go first; the system message (the facts) always stays; the latest user message is cut
    if it alone would not fit. -> (messages as (role, content), dropped_count)."""
    context_size = context_size or DEFAULT_CONTEXT
    budget = context_size - reply_tokens - estimate_tokens(system)
    *earlier, (role, latest) = turns
    room = budget - estimate_tokens("")
    if estimate_tokens(latest) > budget:
        latest = latest.encode("utf-8")[:max(room, 0) * 3].decode("utf-8", "ignore")
    budget -= estimate_tokens(latest)
    kept = []
    for message in reversed(earlier):
        cost = estimate_tokens(message[1])
        if cost > budget:
            break
        kept.append(message)
        budget -= cost
    kept.reverse()
    while kept and kept[0][0] != "user":      # keep user/assistant alternation
        kept.pop(0)
    dropped = len(earlier) - len(kept)
    return [("system", system), *kept, (role, latest)], dropped
