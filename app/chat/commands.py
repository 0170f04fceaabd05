"""Commands in the words people use: "I need to get bread too", "remind me to call grandma
tomorrow", "I already paid the rent", "scratch the plumber", "move the dentist to monday",
"rename buy milk to buy oat milk".

`parse_command(text, today)` takes a message already cleaned by app.chat.text and returns an
intent (app.chat.intents) or None. Rules are tried in order, the more specific first; each
is one phrasing family, so a new way of saying something is one new line.
"""
import functools
import re

from app.chat import dates
from app.chat.intents import Add, Complete, Delete, Rename, Reopen, SetDue
from app.chat.text import unquote
from app.todos.words import FILLER, IRREGULAR, raw_words

_LIST = r"(?:\s+(?:to|from|on|in|off|onto)\s+(?:my|the|your)\s+(?:to-?\s?do\s+)?(?:list|tasks))"
_ANYMORE = r"(?:\s+(?:any\s?more|any longer|after all))?"
_TODO_WORD = r"(?:to-?\s?dos?|tasks?|items?|reminders?|entry|entries)"
_DONE = (r"(?:done|complete|completed|finished|checked(?: off)?|ticked(?: off)?|crossed off|"
         r"sorted(?: out)?|taken care of|dealt with|handled|over with)")
_OPEN = (r"(?:not\s+done|undone|not\s+complete(?:d)?|incomplete|open|unfinished|not\s+finished|"
         r"to\s?do|unchecked|pending)")
_SOON = r"(?:just\s+|already\s+|now\s+|finally\s+|also\s+|all\s+)*"
_PAST = r"(?P<v>[a-z]{3,}ed|" + "|".join(w for w, base in IRREGULAR.items()
                                          if base != w and w not in ("done", "left", "read",
                                                                     "put", "set", "cut",
                                                                     "children", "kids", "teeth",
                                                                     "mum", "mummy", "mommy",
                                                                     "mother")) + ")"
_NOT_A_TODO = re.compile(r"\b(?:what|which|how|why|when|where|whether|who)\b|^(?:know|ask|"
                         r"understand|learn|find out|figure out|see|talk|chat|help|advice|"
                         r"tips?|ideas?|a break|some help|you|it|this|that)\b", re.I)

# (kind, pattern). Kinds: reopen, due, clear_due, complete, complete_past, complete_is_past,
# delete, rename, add, add_too. `soft` kinds only count when the query names a to-do.
_RULES = (
    ("reopen", rf"^(?:mark|set|make)\s+(?P<q>.+?)\s+(?:as\s+)?{_OPEN}$"),
    ("reopen", r"^(?:uncheck|untick|reopen|re-open|unmark|uncomplete|un-complete|undo)\s+(?P<q>.+)$"),
    ("reopen", rf"^(?P<q>(?!what\b|which\b).+?)\s+(?:is|are)\s+not\s+(?:done|finished)(?:\s+yet)?$"),
    # due dates: before rename and complete ("change X to friday", "X is due on the 10th")
    ("clear_due", r"^(?:remove|clear|drop|delete|take off)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+"
                  r"(?:of|from|for|on)\s+(?P<q>.+)$"),
    ("clear_due", r"^(?P<q>.+?)\s+(?:has|have|needs?)\s+no\s+(?:due\s+date|deadline)(?:\s+any\s?more)?$"),
    ("due", r"^(?:change|set|move|update|make)\s+(?:the\s+)?(?:due\s+date|deadline|date)\s+"
            r"(?:of|for|on)\s+(?P<q>.+?)\s+(?:to|for|on)\s+(?P<d>.+)$"),
    ("due", r"^(?:move|push|postpone|delay|reschedule|shift|bump|put off|change|set|make|"
            r"plan|schedule)\s+(?P<q>.+?)\s+(?:back\s+|forward\s+)?(?:to|until|till|til|for|due|on)\s+(?P<d>.+)$"),
    ("due_soft", r"^(?P<q>(?!what\b|which\b|when\b|is\b|are\b).+?)\s+(?:is|are|'s)\s+(?:now\s+)?"
                 r"(?:due\s+)?(?:on|by|for|due)\s+(?P<d>.+)$"),
    ("due_soft", r"^(?P<q>(?!what\b|which\b).+?)\s+(?:can|could|will|should)\s+wait\s+"
                 r"(?:until|till|til|to|for)\s+(?P<d>.+)$"),
    # complete
    ("complete", rf"^(?:mark|set|make|check|tick)\s+(?P<q>.+?)\s+(?:as\s+)?{_DONE}$"),
    ("complete", rf"^(?:i\s+)?(?:have\s+|am\s+)?{_SOON}(?:completed?|finish(?:ed)?|done with|finished with|"
                 r"through with|check(?:ed)? off|tick(?:ed)? off|cross(?:ed)? off|did)\s+"
                 rf"(?!i\b|you\b)(?P<q>.+)$"),
    ("complete", r"^(?:done|finished|completed)\s*[:,-]\s*(?P<q>.+)$"),
    ("complete", rf"^(?P<q>(?!what\b|which\b|is\b|are\b|how\b|when\b|did\b|anything\b|nothing\b).+?)"
                 rf"\s+(?:is|are|'s|s)\s+{_SOON}{_DONE}$"),
    ("complete_soft", rf"^(?P<q>(?!what\b|which\b|how\b).+?)\s+{_DONE}$"),
    ("complete_is_past", rf"^(?P<q>(?!what\b|which\b|is\b|are\b|how\b|when\b|did\b).+?)"
                         rf"(?:\s+(?:is|are)|'s|s)\s+{_SOON}{_PAST}$"),
    ("complete_past", rf"^(?:i\s+|we\s+)?(?:have\s+)?{_SOON}{_PAST}\s+(?!to\b)(?P<q>.+)$"),
    # delete
    ("delete", r"^(?:take|cross|strike)\s+(?P<q>.+?)\s+(?:off|out)(?:\s+(?:of\s+)?(?:my|the)\s+"
               rf"(?:to-?\s?do\s+)?list)?{_ANYMORE}$"),
    ("delete", r"^(?:delete|remove|drop|erase|trash|scratch|scrap|cross out|strike out|get rid of|"
               r"forget about|forget|never ?mind|nevermind|ditch|nix|bin|toss)\s+"
               rf"(?P<q>.+?){_LIST}?{_ANYMORE}$"),
    ("delete_soft", rf"^(?:cancel|skip|lose)\s+(?P<q>.+?){_LIST}?$"),
    ("delete_soft", r"^(?:i\s+|we\s+)?(?:do\s+not|no\s+longer)\s+(?:really\s+)?(?:need|have|want)\s+"
                    rf"(?:to\s+)?(?P<q>.+?){_ANYMORE}$"),
    ("delete_soft", rf"^no need (?:to|for)\s+(?P<q>.+?){_ANYMORE}$"),
    ("delete_soft", rf"^(?P<q>.+?)\s+(?:is|are)\s+(?:not needed|not necessary|unnecessary|off)"
                    rf"{_ANYMORE}$"),
    # rename
    ("rename", r"^(?:rename|retitle|reword)\s+(?P<q>.+?)\s+(?:to|as|into)\s+(?P<t>.+)$"),
    ("rename", r"^(?:change|edit|update)\s+(?:the\s+(?:name|title|wording)\s+of\s+)?(?P<q>.+?)\s+"
               r"(?:to|into)\s+(?P<t>.+)$"),
    ("rename", r"^(?P<q>.+?)\s+should\s+(?:be\s+called|say|read)\s+(?P<t>.+)$"),
    # add
    ("add", rf"^(?:add|create|new|make)\s+(?:a\s+)?(?:new\s+)?{_TODO_WORD}\s*(?::\s*|"
            r"(?:to|called|named|titled|for|about)\s+)?(?P<t>.+)$"),
    ("add", r"^(?:add|create)\s+(?P<t>.+)$"),
    ("add", r"^(?:new|note|todo|to-do|to do|reminder|task)\s*:\s*(?P<t>.+)$"),
    ("add", rf"^(?:put|write|jot|note|stick)\s+(?:down\s+)?(?P<t>.+?)(?:\s+down)?{_LIST}$"),
    ("add", r"^(?:put|write|jot|note)\s+down\s+(?P<t>.+)$"),
    ("add", r"^remind me (?:to|about|that i (?:need|have|got) to)\s+(?P<t>.+)$"),
    ("add", r"^(?:do not|never) (?:let me )?forget (?:to\s+|about\s+)?(?P<t>.+)$"),
    ("add_need", r"^(?:i\s+|we\s+)?(?:really\s+|also\s+|still\s+|will\s+)*(?:need|must|should|ought|"
            r"(?:have|has|got|gotta)(?=\s+to\b))\s+(?:to\s+)?(?:also\s+)?(?P<t>.+)$"),
    ("add_too", r"^(?:and\s+)?(?:also|plus)\s+(?P<t>.+)$"),
    ("add_too", r"^(?:and\s+)?(?P<t>.+?)\s+(?:too|as well|also)$"),
)


@functools.cache
def _rules():
    # Compiled on first use, not at import: keeps regex compilation out of the app's boot.
    return tuple((kind, re.compile(p, re.I)) for kind, p in _RULES)


def parse_command(text, today, asked=False):
    """`text`: cleaned, without politeness. `asked`: it ended with "?" (then "the rent is
    paid?" is not a report that it is done). -> an intent or None."""
    for kind, pattern in _rules():
        m = pattern.match(text)
        if not m:
            continue
        found = _build(kind, m, today, asked)
        if found is not None:
            return found
    return None


def _build(kind, m, today, asked):
    groups = m.groupdict()
    query = _query(groups.get("q") or "")
    if kind in ("add", "add_need", "add_too"):
        return _add(m["t"], today, kind)
    if not query:
        return None
    if kind == "reopen":
        return Reopen(query)
    if kind == "clear_due":
        return SetDue(query, None)
    if kind in ("due", "due_soft"):
        due = dates.parse_date(_strip_list(m["d"]), today)
        if due is None:
            return None
        return SetDue(query, due, soft=kind == "due_soft")
    if kind.startswith("complete"):
        if asked and kind != "complete":
            return None
        if kind == "complete" and asked and re.search(r"\s(?:is|are)\s", m.group(0)):
            return None
        verb = groups.get("v") or ""
        return Complete(query, soft=kind != "complete", verb=verb)
    if kind in ("delete", "delete_soft"):
        return Delete(query, soft=kind == "delete_soft")
    if kind == "rename":
        title = unquote(m["t"])
        return Rename(query, title) if title else None
    raise ValueError(kind)


def _strip_list(text):
    return re.sub(_LIST + "$", "", text.strip(), flags=re.I).strip()


def _query(text):
    text = re.sub(r"\s+(?:one|thing|task|item|to-?do)$", "", unquote(_strip_list(text)), flags=re.I)
    return unquote(text)


def _add(text, today, kind):
    text = unquote(text)
    text = re.sub(r"^(?:to\s+)", "", text, flags=re.I)
    for _ in range(2):           # "get bread too to my list", "milk to my list too"
        text = _strip_list(re.sub(r"\s+(?:too|as well|also)$", "", text, flags=re.I))
    title, due = dates.split_date(text, today)
    title = unquote(_strip_list(title))
    if not title or (kind != "add" and _NOT_A_TODO.search(title)):
        return None             # "I need to know what is due": a question, not a to-do
    if kind == "add_too" and not [w for w in raw_words(title) if w not in FILLER]:
        return None                               # "me too", "that as well"
    return Add(title, due)
