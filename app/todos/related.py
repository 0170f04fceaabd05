"""Find a to-do by what it is about ("the one about my teeth" -> "Book dentist appointment"):
a small lexicon of everyday topics, each a group of words that belong together.

A word relates to a title when it is one of the title's words or shares a group with one.
It works with no model loaded; `bench assistant` scores it (17/18 topics) and can score the
model's embeddings next to it (ASSISTANT_BENCH_PARTS=embeddings; not yet measured).
"""
import functools

from app.todos.words import close, content_words, stem

GROUPS = (
    "tooth dentist dental orthodontist floss brace cavity gum checkup",
    "health doctor dentist medicine medication pharmacy pill prescription hospital clinic "
    "sick vaccine vet therapy physio appointment",
    "money pay rent bill bank tax taxes invoice budget finance cash salary loan mortgage "
    "insurance payment debt credit card fee fine subscription refund",
    "mom mother dad father parent family grandma grandpa grandmother grandfather sister "
    "brother aunt uncle cousin son daughter kid child wife husband",
    "travel trip passport visa flight holiday vacation luggage suitcase hotel ticket "
    "airport train journey abroad",
    "plant garden water flower lawn yard seed weed tree",
    "car vehicle mechanic tire tyre oil garage fuel gas petrol parking license registration",
    "bike bicycle cycle cycling chain puncture helmet",
    "pipe plumber leak sink toilet drain faucet tap boiler heating shower",
    "food grocery groceries milk bread egg shop shopping supermarket cheese fruit vegetable "
    "butter eat meal cook dinner lunch breakfast coffee tea",
    "work job office boss colleague report meeting email project client deadline presentation "
    "manager team",
    "mail email letter post parcel package stamp message write send reply",
    "clean cleaning laundry wash dish vacuum tidy clothes jacket shirt iron dry",
    "phone call ring text",
    "home house apartment flat landlord rent repair fix move furniture",
    "school homework study exam class teacher course lesson",
    "birthday present gift party anniversary celebration card",
    "pet dog cat vet walk feed",
    "exercise gym run running sport fitness yoga swim workout",
    "document paper form id passport licence license renew certificate",
)


@functools.cache
def _index():
    index = {}
    for group in GROUPS:
        words = {stem(w) for w in group.split()}
        for w in words:
            index.setdefault(w, set()).update(words)
    return index


def related_words(word):
    """`word`'s stem and every word that shares a group with it."""
    w = stem(word)
    return _index().get(w, set()) | {w}


def about(todos, topic):
    """The to-dos that `topic` ("my teeth", "money") is about, best first: a title word is
    a topic word (2 points) or shares a group with one (1 point)."""
    topic_words = content_words(topic)
    scored = []
    for todo in todos:
        title = content_words(todo.title)
        points = 0
        for word in topic_words:
            if any(close(word, t) for t in title):
                points += 2
            elif related_words(word) & set(title):
                points += 1
        if points:
            scored.append((points, todo))
    scored.sort(key=lambda p: -p[0])
    if not scored:
        return []
    top = scored[0][0]
    return [t for p, t in scored if p == top]
