"""Fuzzy title matching for commands like "mark buy milk done".

Order of preference: the same words (ignoring case, punctuation and filler words such as
"the"), then a title that contains all the query's words (or the reverse), then close
spelling (difflib ratio). Ties at the best level make the match ambiguous: the chat asks
rather than guessing which item to change.
"""
import re
from dataclasses import dataclass, field

FILLER = {"the", "a", "an", "my", "to", "do", "todo", "to-do", "task", "item", "that", "one"}
CLOSE_ENOUGH = 0.75


def normalize(text):
    words = re.findall(r"[\w']+", text.lower())
    kept = [w for w in words if w not in FILLER]
    return " ".join(kept or words)


@dataclass
class Match:
    found: object = None                              # the Todo, when exactly one fits
    candidates: list = field(default_factory=list)    # when ambiguous

    @property
    def ambiguous(self):
        return self.found is None and len(self.candidates) > 1


def find(todos, query, prefer=None):
    """Best Todo for `query`. `prefer(todo) -> bool` breaks ties (e.g. open items when
    completing), so "mark milk done" picks the open "milk" over a done one."""
    q = normalize(query)
    if not q:
        return Match()
    q_words = set(q.split())
    scored = []
    for todo in todos:
        t = normalize(todo.title)
        t_words = set(t.split())
        if not t_words:
            continue
        if t == q:
            score = 3.0
        elif q_words <= t_words or t_words <= q_words:
            score = 2.0 + len(q_words & t_words) / max(len(q_words | t_words), 1)
        else:
            import difflib      # only when needed: keeps the app's boot imports small
            ratio = difflib.SequenceMatcher(None, q, t).ratio()
            score = ratio if ratio >= CLOSE_ENOUGH else 0.0
        if score:
            scored.append((score, todo))
    if not scored:
        return Match()
    best = max(s for s, _ in scored)
    top = [t for s, t in scored if s == best]
    if len(top) > 1 and prefer is not None:
        preferred = [t for t in top if prefer(t)]
        top = preferred or top
    if len(top) > 1 and len({normalize(t.title) for t in top}) == 1:
        top = top[:1]   # duplicates of the same title: any one will do
    return Match(found=top[0]) if len(top) == 1 else Match(candidates=top)


def _same_word(a, b):
    """Equal, or one a prefix of the other when both are 4+ letters (book/booked,
    renew/renewal, plant/plants): crude stemming that is enough for short titles."""
    return a == b or (len(a) >= 4 and len(b) >= 4 and (a.startswith(b) or b.startswith(a)))


def mentioned(todos, sentence):
    """The one to-do a sentence talks about ("did I water the plants?"), or None when no
    title is mentioned or several fit equally (no guessing). At least half of a title's
    words must appear, one of them 4+ letters long."""
    words = normalize(sentence).split()
    scored = []
    for todo in todos:
        title_words = normalize(todo.title).split()
        hits = [w for w in title_words if any(_same_word(w, q) for q in words)]
        if hits and len(hits) * 2 >= len(title_words) and max(map(len, hits)) >= 4:
            scored.append((len(hits) / len(title_words), len(hits), todo))
    if not scored:
        return None
    best = max(s[:2] for s in scored)
    top = [t for *score, t in scored if tuple(score) == best]
    return top[0] if len(top) == 1 else None
