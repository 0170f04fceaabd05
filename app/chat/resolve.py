"""Which to-do a command's query means: "it" / "that one" (the to-do the conversation is
about), "the one about my teeth" (by meaning, app.todos.related), or the title's words
(app.todos.match). -> a Match: one found, several candidates (ask back), or none.
"""
import re

from app.todos import match, related

PRONOUNS = re.compile(r"^(?:it|that|this|that one|this one|the last one|that task|this task|"
                      r"that to-?do|the same one|the one you said|the one you suggested|"
                      r"what you said|your suggestion)$", re.I)
ABOUT = re.compile(r"^(?:the|that|this|my)?\s*(?:one|thing|task|to-?do|item|entry|reminder)s?\s+"
                   r"(?:about|with|for|regarding|related to|to do with|concerning)\s+(?P<x>.+)$", re.I)


def resolve(todos, query, focus=None, prefer=None, by_meaning=True):
    """`focus`: the to-do the conversation was last about (or None). `by_meaning`: when no
    title's words fit, try what the query is about (off for soft intents: "I called the bank"
    must not complete "Pay rent")."""
    if PRONOUNS.match(query.strip()):
        return match.Match(found=focus) if focus is not None and focus in todos else match.Match()
    m = ABOUT.match(query.strip())
    if m:
        return _as_match(related.about(todos, m["x"]), prefer)
    found = match.find(todos, query, prefer)
    if by_meaning and found.found is None and not found.ambiguous:
        return _as_match(related.about(todos, query), prefer, strict=True)
    return found


def _as_match(todos, prefer, strict=False):
    """`strict`: a fallback for a query that named no title: only a single clear hit counts."""
    if prefer is not None and len(todos) > 1:
        todos = [t for t in todos if prefer(t)] or todos
    if len(todos) == 1:
        return match.Match(found=todos[0])
    if strict:
        return match.Match()
    return match.Match(candidates=todos)
