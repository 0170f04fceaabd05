"""What a message means, by code: `parse(text, today)` -> an intent (app.chat.intents) or
None for open conversation, which goes to the model.

The message is cleaned first (app.chat.text); a message that opens like a question is read
as one first ("did I water the plants?" is never a command), anything else as a command
first (app.chat.commands), then as a question about the list (app.chat.questions).
"""
import re

from app.chat.commands import parse_command
from app.chat.intents import Help, Status
from app.chat.questions import question_topic
from app.chat.text import clean, strip_polite

_HELP = r"(?:help|what can you do|what do you understand|commands|\?|how does this work)"
_QUESTION = (r"^(?:what|which|how|when|where|why|who|is|are|am|was|were|did|does|do\s+i|do\s+you|"
             r"have\s+i|has|any|anything|should\s+i|can\s+i|tell\s+me|show|list|give\s+me|read|"
             r"remind\s+me\s+(?:what|which|when))\b")
_STATUS = r"^(?:is|are|was|were|did|have|has|when|do\s+i|does|will)\b"


def parse(text, today):
    cleaned = clean(text)
    asked = cleaned.rstrip().endswith("?")
    t = strip_polite(cleaned)
    if not t:
        return None
    if re.fullmatch(_HELP, t, re.I):
        return Help()
    if re.match(_QUESTION, t, re.I):
        found = question_topic(t)
        if found:
            return found
        if re.match(_STATUS, t, re.I):
            return Status(t)
    found = parse_command(t, today, asked) or question_topic(t)
    if found:
        return found
    if re.match(_STATUS, t, re.I):
        return Status(t)
    return None
