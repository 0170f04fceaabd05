"""A message as the rules read it: one line, plain quotes, common typos and chat shorthand
fixed ("hw", "wat", "r", "tmrw"), contractions spelled out ("dont" -> "do not", "what's" ->
"what is"), politeness and sign-offs taken off ("hey, could you please ... thanks!").
The case of the user's words is kept: a to-do's title is written as it was typed.
"""
import functools
import re

# Whole words only, case-insensitive. Shorthand and slips seen in chat.
TYPOS = {
    "hw": "how", "hwo": "how", "wat": "what", "wht": "what", "waht": "what", "r": "are",
    "u": "you", "ur": "your", "pls": "please", "plz": "please", "plx": "please",
    "thx": "thanks", "thnx": "thanks", "ty": "thanks", "im": "i am", "ive": "i have",
    "dont": "do not", "didnt": "did not", "doesnt": "does not", "havent": "have not",
    "isnt": "is not", "cant": "cannot", "wont": "will not", "shouldnt": "should not",
    "whats": "what is", "wheres": "where is", "hows": "how is", "thats": "that is",
    "teh": "the", "taks": "tasks", "tsks": "tasks", "todos": "to-dos", "todo's": "to-dos",
    "gotta": "got to", "gonna": "going to", "wanna": "want to", "tmrw": "tomorrow",
    "tomorow": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow", "2day": "today",
    "alredy": "already", "allready": "already", "finshed": "finished", "finsihed": "finished",
}

CONTRACTIONS = (
    (r"\b(what|where|how|that|it|who|there|here)'s\b", r"\1 is"),
    (r"\bcan't\b", "cannot"), (r"\bwon't\b", "will not"), (r"\b(\w+)n't\b", r"\1 not"),
    (r"\bi'm\b", "i am"), (r"\b(i|you|we|they)'ve\b", r"\1 have"),
    (r"\b(i|you|we|they)'ll\b", r"\1 will"), (r"\b(i|you|we|they)'d\b", r"\1 would"),
    (r"\b(what|which|who|they|you|we)'re\b", r"\1 are"),
)

_POLITE = (r"^(?:(?:hey|hi|hello|ok|okay|oh|ah|so|now|and|please|pls|kindly|assistant|um|uh|"
           r"hmm+|hm+|mm+|well|alright|right)\b[,!.]?\s*)*"
           r"(?:(?:can|could|would|will) you(?: please)?\s+)?(?:please\s+)?"
           r"(?:i want you to\s+|i want to\s+|i would like to\s+|i'd like to\s+|let's\s+)?")
# \b on both sides: "read a book" keeps its "ok", "buy a rulebook" its "ok".
_TRAILER = (r"(?:\s*,?\s*\b(?:please|thanks|thank you|thanks a lot|thx|ok|okay|for me|"
            r"if you can|if you could)\b)*[\s.!?…]*$")


@functools.cache
def _typos_re():
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in TYPOS) + r")\b", re.I)


def _fix_typo(m):
    word = m[1]
    fixed = TYPOS[word.lower()]
    return fixed if word.islower() or not word[:1].isupper() else fixed[:1].upper() + fixed[1:]


def clean(text):
    """Whitespace collapsed, curly quotes straightened, typos and contractions expanded."""
    text = " ".join(text.replace("’", "'").replace("‘", "'").replace("`", "'").split())
    text = _typos_re().sub(_fix_typo, text)
    for pattern, repl in CONTRACTIONS:
        text = re.sub(pattern, repl, text, flags=re.I)
    return text


def strip_polite(text):
    """"Hey, could you please add milk, thanks!" -> "add milk"."""
    text = re.sub(_POLITE, "", text, flags=re.I)
    return re.sub(_TRAILER, "", text, flags=re.I).strip()


def unquote(text):
    return text.strip().strip("\"'“”‘’«»`").strip(" ,;:").strip("\"'“”‘’«»`").strip()
