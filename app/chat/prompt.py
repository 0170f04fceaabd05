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

INSTRUCTIONS = ("You are a helpful assistant for the user's to-do list. Answer briefly, in one "
                "or two sentences. The facts below are correct; use them and do not invent "
                "to-dos.")


def estimate_tokens(text):
    return math.ceil(len(text.encode("utf-8")) / 3) + MESSAGE_OVERHEAD


def _short(title):
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1] + "…"


def system_prompt(facts, budget=MAX_FACTS_TOKENS):
    """-> (text, notice). The counts, overdue and due-today always stay; titles are added in
    order of importance (overdue, due today, other open, done) while they fit in `budget`.
    `notice` says what was left out, or is None when everything fits."""
    today = facts.today
    head = [INSTRUCTIONS,
            f"Today is {today:%A} {today.day} {today:%B} {today.year}.",
            f"The user has {plural(facts.total, 'to-do')}: {len(facts.open)} open and "
            f"{len(facts.done)} done.",
            f"Overdue: {len(facts.overdue)}. Due today: {len(facts.due_today)}."]
    sections = [
        ("Overdue", [f"{_short(t.title)} (due {fmt_date(t.due, today)})" for t in facts.overdue]),
        ("Due today", [_short(t.title) for t in facts.due_today]),
        ("Open to-dos", [_short(t.title) + (f" (due {fmt_date(t.due, today)})" if t.due else "")
                         for t in facts.open]),
        ("Done to-dos", [_short(t.title) for t in facts.done]),
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
        notice = (f"Your list is long ({plural(facts.total, 'to-do')}), so the model sees a "
                  f"summary: all the counts, but not every title "
                  f"({', '.join(f'{n} {name.lower()}' for name, n in omitted.items())} left out). "
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
