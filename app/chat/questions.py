"""Questions about the list in the words people use, as an `Ask(topic)` (app.chat.intents):
counts, lists, overdue, due today, coming up; "what should I do first?" (priority), "why that
one?" (why), "and after that?" (next), "which one is about my teeth?" (about).

`question_topic(text)` takes a cleaned message and returns an Ask or None.
"""
import re

from app.chat.intents import Ask

_ITEMS = r"\b(?:to-?\s?dos?|tasks?|items?|things|entries|reminders?|chores?|errands?|stuff)\b"
_DONE = r"\b(?:done|completed?|finish(?:ed)?|checked|ticked|accomplished|achieved)\b"
_OPEN = (r"\b(?:open|left|remaining|remain|unfinished|pending|incomplete|outstanding|"
         r"not (?:yet )?(?:done|completed?|finished)|still|undone|to do|ahead)\b")
_LISTISH = r"\b(?:list|agenda|plate|schedule|plan|todo list|to-do list)\b"

_WHY = r"^(?:but\s+|and\s+|ok\s+|okay\s+)?(?:why|how come|what is the reason|reason|what makes (?:it|that)|because)\b"
_NEXT = (r"^(?:(?:and|ok|okay|so|then|alright|right)\s*,?\s*)*(?:after that|afterwards|then what|"
         r"and then|then|what then|what else|next|next one|what next|what is next|what comes next|"
         r"what after that|what should i do after that|and after that|what now|what about after that|"
         r"what about next|what about then)\b")
_PRIORITY = (r"\b(?:first|start|begin|most urgent|urgent|urgently|most important|important|"
             r"top priority|priority|priorities|prioriti[sz]e|focus on|work on|tackle|do now|"
             r"do next|next)\b")
_ASKING = (r"^(?:what|which|where|how|should|tell me|suggest|give me|help me|any|anything|"
           r"pick|choose|recommend|is there|do i|can you|whats)\b")
_ABOUT = (r"\b(?:about|to do with|related to|regarding|concerning|involving|that mentions|"
          r"mentioning|with the word)\s+(?:my\s+|the\s+|a\s+|an\s+|some\s+)*(?P<x>.+)$")
# Asking for words rather than facts ("give me one tip to get my errands done faster", "a pep
# talk for today"): the model answers, with the list's facts in its prompt. A list or a count
# would answer a question nobody asked.
_WANTS_WORDS = (r"\b(?:pep talk|tips?|advice|advise|motivat\w*|encourag\w*|inspir\w*|cheer me|"
                r"poem|haiku|limerick|joke|story|song)\b")
_WHERE = r"\s+(?:on|in)\s+(?:there|here|it|(?:my|the)\s+(?:to-?\s?do\s+)?list)$"   # "...on there?"
_ABOUT_ASK = (r"^(?:which|what|is there|are there|do i have|have i got|any|anything|find|show|"
              r"the one|the task|the thing|whats the one|got anything|search)\b")


def question_topic(text):
    """The question `text` asks, as an Ask, or None (then the model answers)."""
    t = " ".join(text.lower().split())
    if re.match(_WHY, t):
        return Ask("why")
    if re.match(_NEXT, t):
        return Ask("next")
    about = re.search(_ABOUT, t)
    if about and re.match(_ABOUT_ASK, t) and not re.match(r"what about\b", t) \
            and not re.search(r"\b(?:due|overdue|done)\b", t) \
            and not re.fullmatch(r"(?:it|that|this|them|those|after that|then|next)", about["x"].strip(" ?.!")):
        return Ask("about", re.sub(_WHERE, "", about["x"].strip(" ?.!")))
    if re.search(r"\b(?:overdue|past due|late|behind|missed|slipped)\b", t):
        return Ask("overdue")
    if re.search(_PRIORITY, t) and re.match(_ASKING, t) and not re.search(r"\bhow many\b|\bdue\b", t):
        return Ask("next" if re.search(r"\bnext\b|\bnow\b", t) else "priority")
    if re.search(_WANTS_WORDS, t):
        return None
    if re.search(r"\bdue (?:today|tonight)\b", t) or (
            re.search(r"\b(?:today|tonight)\b", t) and re.search(r"\b(?:do|due|have|need|list|got|on)\b", t)):
        return Ask("due_today")
    window = _window(t)
    if window or re.search(r"\bdue (?:next|this|soon|later|in|after)\b|\bupcoming\b|\bcoming up\b|"
                           r"\bdue dates?\b|\bdeadlines?\b|\bsoon\b", t):
        if re.search(r"\b(?:due|coming|upcoming|deadlines?|soon|need|have|do)\b", t):
            return Ask("upcoming", window)
    if re.search(r"\bhow (?:many|much)\b|\bnumber of\b|\bcount\b|\btotal\b", t):
        if re.search(r"\bin total\b|\btotal\b|\ball together\b|\baltogether\b", t):
            return Ask("count_all")
        if re.search(_OPEN, t) and not re.search(r"\b(?:have i|i have|did i)\s+(?:done|completed|finished?)\b", t):
            return Ask("count_open")
        if re.search(_DONE, t):
            return Ask("count_done")
        if re.search(_ITEMS, t) or re.search(_LISTISH, t):
            return Ask("count_all")
        return None
    if re.match(r"(?:is|are|do i have|have i got)\b", t):
        return None             # "is buying milk on my list?": about one item (Status)
    asks_list = re.match(r"(?:what|which|list|show|tell me|read|give me|remind me|what is on|"
                         r"anything)\b", t) or re.search(r"\bon (?:my|the) (?:to-?\s?do )?list\b", t)
    if asks_list and (re.search(_ITEMS, t) or re.search(_LISTISH, t) or re.search(_DONE, t) or
                      re.search(r"\b(?:do i|i need|i have|have i|i still have|have to do|left)\b", t)):
        if re.search(_DONE, t) and not re.search(r"\bnot (?:yet )?(?:done|completed?|finished)\b", t) \
                and not re.search(r"\bto (?:do|be done)\b", t):
            return Ask("list_done")
        return Ask("list_open")
    return None


def _window(t):
    """"this week", "next week", "this month", "next month" -> that window's name, or ""."""
    m = re.search(r"\b(this|next)\s+(week|month)\b", t)
    return f"{m[1]}_{m[2]}" if m else ""
