"""Words of a title or a sentence, reduced so that different forms meet: "paid" and "pay",
"booked" and "Book", "plants" and "plant", "buying" and "Buy". Crude on purpose: to-do
titles are short, and a wrong merge only makes two titles look alike, which the matcher then
asks about instead of guessing.
"""
import re

# Words that say nothing about which to-do is meant.
FILLER = frozenset("""
a an the my our your his her their its this that these those it one thing things stuff
to do todo to-do task tasks item items reminder entry list
for of about with on in at from into by up off out and or so
me i you we just already also too please
""".split())

# Irregular past forms people use when they report something done.
IRREGULAR = {
    "paid": "pay", "bought": "buy", "went": "go", "gone": "go", "did": "do", "done": "do",
    "wrote": "write", "written": "write", "sent": "send", "made": "make", "took": "take",
    "taken": "take", "got": "get", "gotten": "get", "gave": "give", "given": "give",
    "brought": "bring", "met": "meet", "read": "read", "rang": "ring", "found": "find",
    "sold": "sell", "told": "tell", "left": "leave", "ran": "run", "swept": "sweep",
    "threw": "throw", "thrown": "throw", "put": "put", "set": "set", "cut": "cut",
    "fed": "feed", "kept": "keep", "spoke": "speak", "drove": "drive", "ate": "eat",
    "children": "child", "kids": "kid", "teeth": "tooth", "mum": "mom", "mummy": "mom",
    "mommy": "mom", "mother": "mom",
}

_KEEP = frozenset("bus gas news glass grass dress class boss less pass address series".split())


def stem(word):
    """One word -> its rough base form ("watered" -> "water", "renewal" stays "renewal")."""
    w = word.lower().strip("'")
    if w in IRREGULAR:
        return IRREGULAR[w]
    if len(w) <= 3 or w in _KEEP:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[:-len(suffix)]
            if len(base) >= 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]                     # "shopped" -> "shop"
            return base                              # "saved" -> "sav": close() meets "save"
    if w.endswith("es") and w[-3:-2] in ("s", "x", "z") or w.endswith(("ches", "shes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def raw_words(text):
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'"))


def content_words(text):
    """The stems of the words that carry meaning; all the words' stems when every one is
    filler (so "the" still matches a title called "the")."""
    words = [w for w in raw_words(text) if not w.endswith("'s") or len(w) > 2]
    words = [w[:-2] if w.endswith("'s") else w for w in words]
    kept = [stem(w) for w in words if w not in FILLER]
    return kept or [stem(w) for w in words]


def close(a, b):
    """Same stem, or a spelling slip in a longer word ("dentst", "pasport")."""
    if a == b:
        return True
    if min(len(a), len(b)) >= 3 and abs(len(a) - len(b)) == 1 and (a.startswith(b) or b.startswith(a)):
        return True                                  # "sav(ed)" and "save"
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 2:
        return False
    import difflib      # only when needed: keeps the app's boot imports small
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
