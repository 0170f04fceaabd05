"""Which to-do a command or a question means, from its words ("mark the milk done",
"I already paid the rent", "did I call the plumber?").

Words are compared by rough stem (app.todos.words), filler words ("the", "my", "for") are
ignored and a spelling slip in a longer word is forgiven. Order of preference: the same words,
then a title that holds all the query's words (or the reverse), then close spelling of the
whole. Ties at the best level make the match ambiguous: the chat asks rather than guessing.
"""
from dataclasses import dataclass, field

from app.todos.words import close, content_words

CLOSE_ENOUGH = 0.75


def normalize(text):
    """Lower-case stems of the meaningful words, space-separated ("Buy the MILK!" -> "buy milk")."""
    return " ".join(content_words(text))


@dataclass
class Match:
    found: object = None                              # the Todo, when exactly one fits
    candidates: list = field(default_factory=list)    # when ambiguous

    @property
    def ambiguous(self):
        return self.found is None and len(self.candidates) > 1


def _covered(words, by):
    return all(any(close(w, b) for b in by) for w in words)


def score(query_words, title_words):
    """How well a title fits a query (0: not at all), both as lists of stems."""
    q, t = set(query_words), set(title_words)
    if not q or not t:
        return 0.0
    if _covered(q, t) and _covered(t, q):
        return 3.0
    if _covered(q, t):
        return 2.0 + len(q) / (len(t) + len(q))
    if _covered(t, q):
        return 2.0 + len(t) / (len(t) + len(q)) - 0.5
    import difflib      # only when needed: keeps the app's boot imports small
    ratio = difflib.SequenceMatcher(None, " ".join(query_words), " ".join(title_words)).ratio()
    return ratio if ratio >= CLOSE_ENOUGH else 0.0


def best(scored, prefer=None):
    """[(score, todo)] -> Match: the one best, or the tied candidates."""
    scored = [(s, t) for s, t in scored if s > 0]
    if not scored:
        return Match()
    top_score = max(s for s, _ in scored)
    top = [t for s, t in scored if s == top_score]
    if len(top) > 1 and prefer is not None:
        top = [t for t in top if prefer(t)] or top
    if len(top) > 1 and len({normalize(t.title) for t in top}) == 1:
        top = top[:1]   # duplicates of the same title: any one will do
    return Match(found=top[0]) if len(top) == 1 else Match(candidates=top)


def find(todos, query, prefer=None):
    """Best Todo for `query`. `prefer(todo) -> bool` breaks ties (e.g. open items when
    completing), so "mark milk done" picks the open "milk" over a done one."""
    q = content_words(query)
    return best([(score(q, content_words(t.title)), t) for t in todos], prefer)


def mentioned(todos, sentence):
    """The one to-do a sentence talks about ("did I water the plants?", "when is the
    dentist?"), or None when no title is mentioned or several fit equally (no guessing).
    Either at least half of a title's words appear, one of them 4+ letters long, or else
    one 5+ letter word of exactly one title does."""
    words = content_words(sentence)
    scored, loose = [], []
    for todo in todos:
        title_words = content_words(todo.title)
        hits = [w for w in title_words if any(close(w, q) for q in words)]
        if hits and len(hits) * 2 >= len(title_words) and max(map(len, hits)) >= 4:
            scored.append((len(hits) / len(title_words), len(hits), todo))
        elif hits and max(map(len, hits)) >= 5:
            loose.append(todo)
    if not scored:
        return loose[0] if len(loose) == 1 else None
    top_score = max(s[:2] for s in scored)
    top = [t for *s, t in scored if tuple(s) == top_score]
    return top[0] if len(top) == 1 else None
