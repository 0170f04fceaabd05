"""What a message can mean, as data. `app.chat.understand.parse()` returns one of these (or
None: open conversation, for the model); the assistant applies it to the list.

A `query` names a to-do the way the user did ("the milk", "it", "the one about my teeth");
the assistant resolves it against the list (app.chat.resolve). `soft` intents come from
phrasings that are commands only if they name a to-do ("cancel the plumber", "I called my
mom"): when nothing on the list fits, the message goes to the model instead of failing.
"""
import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Add:
    title: str
    due: datetime.date | None = None


@dataclass(frozen=True)
class Complete:
    query: str
    soft: bool = False
    verb: str = ""          # "paid" in "I paid the rent": must be a word of the title


@dataclass(frozen=True)
class Reopen:
    query: str


@dataclass(frozen=True)
class Delete:
    query: str
    soft: bool = False


@dataclass(frozen=True)
class Rename:
    query: str
    title: str


@dataclass(frozen=True)
class SetDue:
    query: str
    due: datetime.date | None       # None: remove the due date
    soft: bool = False


@dataclass(frozen=True)
class Ask:
    """A question code answers from the list. `topic` is one of TOPICS; `arg` is what the
    topic needs: the words of an "about" question, the time window of "upcoming"."""
    topic: str
    arg: str = ""


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Status:
    """A yes/no or when question that may be about one item ("did I water the plants?");
    answered from the list if it names a to-do, else by the model."""
    text: str


TOPICS = ("count_open", "count_done", "count_all", "list_open", "list_done", "overdue",
          "due_today", "upcoming", "priority", "next", "why", "about")

COMMANDS = (Add, Complete, Reopen, Delete, Rename, SetDue)
