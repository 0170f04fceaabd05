"""Understanding what the user typed, by code: list commands and questions about the list.

`parse(text, today)` returns an Add / Complete / Reopen / Delete / Rename / Ask / Help, or None
for anything else (free chat, which goes to the model). Patterns are deliberately narrow:
a command must start with its verb ("add ...", "mark ... done"), so ordinary sentences are
not mistaken for commands.
"""
import datetime
import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Add:
    title: str
    due: datetime.date | None = None


@dataclass(frozen=True)
class Complete:
    query: str


@dataclass(frozen=True)
class Reopen:
    query: str


@dataclass(frozen=True)
class Delete:
    query: str


@dataclass(frozen=True)
class Rename:
    query: str
    title: str


@dataclass(frozen=True)
class Ask:
    topic: str      # one of TOPICS


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Status:
    """A yes/no or when question that may be about one item ("did I water the plants?");
    answered from the list if it names a to-do, else by the model."""
    text: str


TOPICS = ("count_open", "count_done", "count_all", "list_open", "list_done", "overdue",
          "due_today", "upcoming")

_POLITE = (r"^(?:(?:hey|hi|ok|okay|so|now|please|pls|kindly|assistant)\b[,!]?\s*)*"
           r"(?:(?:can|could|would|will) you\s+)?(?:please\s+)?(?:i want to\s+|i'd like to\s+)?")
_TRAILER = r"(?:\s*,?\s*(?:please|thanks|thank you))?\s*[.!?]*\s*$"
_LIST_SUFFIX = r"(?:\s+(?:to|from|on|in|off)\s+(?:my|the)\s+(?:to-?\s?do\s+)?list)?"
_TODO_WORD = r"(?:to-?\s?dos?|tasks?|items?|reminders?)"
_DONE_WORDS = r"(?:done|complete|completed|finished|checked(?: off)?|ticked(?: off)?)"
_OPEN_WORDS = (r"(?:not\s+done|undone|not\s+complete(?:d)?|incomplete|open|unfinished|"
               r"not\s+finished|to\s?do|unchecked|pending)")

_RULES = (
    # (constructor, pattern); first match wins, so the more specific rules come first.
    ("reopen", rf"^(?:mark|set|make)\s+(?P<q>.+?)\s+(?:as\s+)?{_OPEN_WORDS}$"),
    ("reopen", r"^(?:uncheck|untick|reopen|re-open|unmark|uncomplete|un-complete|undo)\s+(?P<q>.+)$"),
    ("complete", rf"^(?:mark|set|make)\s+(?P<q>.+?)\s+(?:as\s+)?{_DONE_WORDS}$"),
    ("complete", r"^(?:complete|finish|check off|tick off|cross off|done with|"
                 r"i(?:'ve| have)?\s+(?:done|finished|completed))\s+(?P<q>.+)$"),
    ("complete", r"^(?:done|finished)\s*:\s*(?P<q>.+)$"),
    ("complete", rf"^(?P<q>(?!what\b|which\b|is\b|are\b|how\b).+?)\s+(?:is|are)\s+(?:now\s+)?{_DONE_WORDS}$"),
    ("delete", rf"^(?:delete|remove|drop|erase|trash|get rid of)\s+(?P<q>.+?){_LIST_SUFFIX}$"),
    ("rename", r"^(?:rename|change|edit)\s+(?P<q>.+?)\s+(?:to|into)\s+(?P<t>.+)$"),
    ("add", rf"^(?:add|create|new)\s+(?:a\s+)?(?:new\s+)?{_TODO_WORD}\s*(?::\s*|(?:to|called|named|titled|for)\s+)?"
            rf"(?P<t>.+?){_LIST_SUFFIX}$"),
    ("add", rf"^(?:add|create)\s+(?P<t>.+?){_LIST_SUFFIX}$"),
    ("add", r"^remind me to\s+(?P<t>.+?)$"),
)


@functools.cache
def _rules():
    # Compiled on first use, not at import: keeps regex compilation out of the app's boot.
    return tuple((kind, re.compile(p, re.I)) for kind, p in _RULES)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DUE = (r"\s+(?:due|by|on|for|before)\s+(?:(?:this|next)\s+)?(?P<d>today|tonight|tomorrow|"
        + "|".join(_WEEKDAYS) + r"|\d{4}-\d{2}-\d{2})$")


def parse(text, today):
    text = " ".join(text.split())
    text = re.sub(_TRAILER, "", re.sub(_POLITE, "", text, flags=re.I), flags=re.I)
    if not text:
        return None
    if re.fullmatch(r"(?:help|what can you do|commands|\?)", text, re.I):
        return Help()
    for kind, pattern in _rules():
        m = pattern.match(text)
        if not m:
            continue
        if kind == "add":
            title, due = _split_due(_unquote(m["t"]), today)
            return Add(title, due) if title else None
        query = _unquote(m["q"])
        if not query:
            continue
        if kind == "rename":
            title = _unquote(m["t"])
            return Rename(query, title) if title else None
        return {"complete": Complete, "reopen": Reopen, "delete": Delete}[kind](query)
    topic = question_topic(text)
    if topic:
        return Ask(topic)
    if re.match(r"(?:is|are|was|were|did|have|has|when|do i|does)\b", text, re.I):
        return Status(text)
    return None


def _unquote(text):
    return text.strip().strip("\"'“”‘’«»`").strip()


def _split_due(title, today):
    m = re.search(_DUE, title, re.I)
    if not m:
        return title, None
    word = m["d"].lower()
    if word in ("today", "tonight"):
        due = today
    elif word == "tomorrow":
        due = today + datetime.timedelta(days=1)
    elif word in _WEEKDAYS:
        ahead = (_WEEKDAYS.index(word) - today.weekday()) % 7 or 7
        due = today + datetime.timedelta(days=ahead)
    else:
        try:
            due = datetime.date.fromisoformat(word)
        except ValueError:
            return title, None
    return _unquote(title[:m.start()]), due


# ---------------------------------------------------------------- questions about the list

_ITEMS = r"\b(?:to-?\s?dos?|tasks?|items?|things|entries|reminders?|chores?)\b"
_DONE = r"\b(?:done|completed?|finished|checked|ticked|accomplished)\b"
_OPEN = (r"\b(?:open|left|remaining|remain|unfinished|pending|incomplete|outstanding|"
         r"not (?:yet )?(?:done|completed?|finished)|still|undone|to do)\b")


def question_topic(text):
    """The list question `text` asks, as one of TOPICS, or None (then the model answers)."""
    t = " ".join(text.lower().replace("’", "'").split())
    if re.search(r"\b(?:overdue|past due|late)\b", t):
        return "overdue"
    if re.search(r"\bdue (?:today|tonight)\b", t) or (
            re.search(r"\btoday\b", t) and re.search(r"\b(?:do|due|have|need|list)\b", t)):
        return "due_today"
    if re.search(r"\bdue (?:next|this|soon|later|in|after)\b|\bupcoming\b|\bcoming up\b|"
                 r"\bdue dates?\b", t):
        return "upcoming"
    if re.search(r"\bhow many\b|\bnumber of\b|\bcount\b", t):
        if re.search(_ITEMS, t) or re.search(_DONE, t) or re.search(_OPEN, t) or "list" in t:
            # "how many to-dos are done" vs "... do I still have to do": done words, unless
            # they are negated ("not done") which the open pattern catches first.
            if re.search(_OPEN, t) and not re.search(r"\b(?:have i|i have|i've)\s+(?:done|completed|finished)\b", t):
                return "count_open"
            if re.search(_DONE, t):
                return "count_done"
            return "count_all"
        return None
    asks_list = re.match(r"(?:what|which|list|show|tell me|read|give me|remind me)\b", t) or \
        re.search(r"\bon my (?:to-?\s?do )?list\b", t)
    if asks_list and (re.search(_ITEMS, t) or "list" in t or re.search(r"\b(?:do i|i need|i have|have i)\b", t)):
        if re.search(_DONE, t) and not re.search(r"\bnot (?:yet )?(?:done|completed?|finished)\b", t) \
                and not re.search(r"\bto (?:do|be done)\b", t):
            return "list_done"
        return "list_open"
    return None
