"""The conversation: routes each message to code (commands, list questions) or to the model
(everything else, with the facts in the system prompt), keeps the history, streams, stops and
regenerates.

    reply = await assistant.respond("add buy milk")
    async for delta in reply.stream():   # one chunk for code replies, tokens for the model
        ...
"""
import datetime
import re
from dataclasses import dataclass, field

from app.chat import answers, check, intents
from app.chat.answers import quoted
from app.chat.prompt import DEFAULT_CONTEXT, MAX_FACTS_TOKENS, fit_messages, system_prompt
from app.chat.resolve import resolve
from app.chat.understand import parse
from app.engines.base import GenerationOptions, Message
from app.todos import match, priority, related
from app.todos.facts import fmt_date
from app.todos.words import close, content_words

REPLY_TOKENS = 80       # one or two sentences; a 135M model only wanders after that
CHOICE = r"^(?:the\s+)?(?P<n>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th|[1-5])(?:\s+one)?$"


@dataclass
class Turn:
    user: str
    reply: str = ""
    kind: str = ""        # "command" | "facts" | "model" | "no-model"


@dataclass
class Reply:
    """What the chat shows for one message. Code replies have their text at once; model
    replies fill `text` as `stream()` runs."""
    kind: str
    text: str = ""
    notices: list = field(default_factory=list)
    changed: bool = False          # the to-do list was modified
    stopped: bool = False
    replaced: str = ""             # why the model's words were replaced by the code's answer

    async def stream(self):
        yield self.text


class ModelReply(Reply):
    """Streams the model's words; once it has finished, checks them against the facts
    (app.chat.check) and, on a contradiction, replaces them with `fallback`, the code's
    answer (`replaced` says why)."""

    def __init__(self, engine, messages, options, turn, notices, on_end, facts=None,
                 fallback=""):
        super().__init__("model", notices=notices)
        self.engine, self.messages, self.options, self.turn = engine, messages, options, turn
        self.deltas = 0
        self._on_end = on_end
        self.facts, self.fallback = facts, fallback

    async def stream(self):
        gen = self.engine.chat(self.messages, self.options)
        parts = []
        try:
            async for delta in gen:
                if self.stopped:
                    break
                parts.append(delta)
                self.deltas += 1
                self.text = "".join(parts)
                yield delta
        finally:
            if hasattr(gen, "aclose"):
                await gen.aclose()
            if self.facts is not None and self.text.strip():
                wrong = check.problem(self.text, self.facts)
                if wrong:
                    self.replaced, self.text = wrong, self.fallback
            self.turn.reply = self.text
            self._on_end(self)

    def stop(self):
        self.stopped = True
        self.engine.stop()


class Assistant:
    def __init__(self, todos, engine=None, today=datetime.date.today, options=None,
                 route_facts=True):
        self.todos = todos
        self.engine = engine
        self._today = today
        self.options = options or GenerationOptions(max_tokens=REPLY_TOKENS, temperature=0.3)
        self.route_facts = route_facts     # False sends list questions to the model (bench)
        self.turns = []
        self.current = None                # the ModelReply streaming now, if any
        self.focus = None                  # id of the to-do the conversation is about ("it")
        self.suggested = []                # ids suggested by "what first?" / "and then?"
        self.pending = None                # (command, candidates) after "which one?"

    @property
    def has_model(self):
        return self.engine is not None and self.engine.loaded

    def today(self):
        return self._today()

    def forget(self):
        """A new conversation: no history, nothing "it" refers to, no question pending."""
        self.turns, self.focus, self.suggested, self.pending = [], None, [], None

    # ------------------------------------------------------------ one message
    async def respond(self, text):
        text = " ".join(text.split())
        if not text:
            raise ValueError("Type a message first.")
        turn = Turn(text)
        self.turns.append(turn)
        reply = await self._answer_pending(text)
        if reply is None:
            reply = await self._route(parse(text, self.today()), turn)
        turn.kind = reply.kind
        if reply.kind != "model":
            turn.reply = reply.text
        return reply

    async def _route(self, parsed, turn):
        by_code = self.route_facts or not self.has_model
        if isinstance(parsed, intents.Help):
            return Reply("facts", answers.HELP)
        if isinstance(parsed, intents.Status) and by_code:
            todo = match.mentioned(self.todos.items, parsed.text)
            if todo is not None:
                self.focus = todo.id
                return Reply("facts", answers.status(todo, self.today()))
        elif isinstance(parsed, intents.Ask) and by_code:
            return Reply("facts", self._ask(parsed))
        elif isinstance(parsed, intents.COMMANDS):
            reply = await self._apply(parsed)
            if reply is not None:
                return reply
        if self.has_model:
            return self._model_reply(turn)
        return Reply("no-model", answers.NO_MODEL)

    # ------------------------------------------------------------ questions
    def _ask(self, ask):
        today = self.today()
        items = self.todos.items
        if ask.topic in ("priority", "next", "why"):
            ranking = priority.ranked(items, today)
            ids = [r.todo.id for r in ranking]
            if ask.topic == "why":
                if self.suggested and self.suggested[-1] in ids:
                    place = ids.index(self.suggested[-1])
                    return answers.why(ranking[place], place)
                focus = self.todos.get(self.focus) if self.focus else None
                if focus is not None and focus.id in ids:
                    place = ids.index(focus.id)
                    return (f"{quoted(focus.title)} is number {place + 1} of what to do: "
                            + answers.why(ranking[place], place))
                return "I have not suggested anything yet. " + priority.RULE
            place = 0
            if ask.topic == "next" and self.suggested:
                later = [i for i, r in enumerate(ranking) if r.todo.id not in self.suggested]
                place = later[0] if later else len(ranking)
            else:
                self.suggested = []
            if place < len(ranking):
                self.suggested.append(ranking[place].todo.id)
                self.focus = ranking[place].todo.id
            return answers.suggestion(place, ranking)
        if ask.topic == "about":
            found = related.about(items, ask.arg)
            if len(found) == 1:
                self.focus = found[0].id
            return answers.about(found, ask.arg, today)
        return answers.answer(ask.topic, self.todos.facts(today), ask.arg)

    def regenerate(self):
        """A new model reply to the last message, if the last reply came from the model."""
        if not self.can_regenerate:
            return None
        turn = self.turns[-1]
        turn.reply = ""
        return self._model_reply(turn)

    @property
    def can_regenerate(self):
        return bool(self.turns) and self.turns[-1].kind == "model" and self.has_model \
            and self.current is None

    def stop(self):
        if self.current is not None:
            self.current.stop()

    # ------------------------------------------------------------ the model
    def build_prompt(self, turn):
        """-> ([Message], notices) for the model, grounded and within the context window."""
        info = self.engine.info() if self.engine else None
        context = (info.context_size if info else 0) or DEFAULT_CONTEXT
        reply_tokens = self.options.max_tokens
        facts_budget = min(MAX_FACTS_TOKENS, (context - reply_tokens) // 2)
        today = self.today()
        system, notice = system_prompt(self.todos.facts(today), facts_budget,
                                       priority.ranked(self.todos.items, today))
        history = []
        for earlier in self.turns[:self.turns.index(turn)]:
            if earlier.reply and earlier.kind != "no-model":   # not "please load a model"
                history += [("user", earlier.user), ("assistant", earlier.reply)]
        messages, _dropped = fit_messages(system, history + [("user", turn.user)],
                                          context, reply_tokens)
        return [Message(r, c) for r, c in messages], [notice] if notice else []

    def _model_reply(self, turn):
        messages, notices = self.build_prompt(turn)
        today = self.today()
        facts = self.todos.facts(today)
        fallback = answers.overview(facts, priority.ranked(self.todos.items, today))
        reply = ModelReply(self.engine, messages, self.options, turn, notices, self._ended,
                           facts=facts, fallback=fallback)
        turn.kind = "model"
        self.current = reply
        return reply

    def _ended(self, reply):
        if self.current is reply:
            self.current = None

    # ------------------------------------------------------------ commands
    async def _answer_pending(self, text):
        """The answer to "which one do you mean?": "the first one", "the plumber", ..."""
        if self.pending is None:
            return None
        cmd, candidates = self.pending
        self.pending = None
        words = " ".join(content_words(text))
        m = re.match(CHOICE, text.lower().strip(" .!?"))
        if m:
            n = m["n"]
            index = {"first": 0, "1st": 0, "1": 0, "second": 1, "2nd": 1, "2": 1, "third": 2,
                     "3rd": 2, "3": 2, "fourth": 3, "4th": 3, "4": 3, "fifth": 4, "5th": 4,
                     "5": 4, "last": len(candidates) - 1}[n]
            chosen = candidates[index] if index < len(candidates) else None
        elif re.match(r"^(?:never ?mind|neither|none|cancel|no|nothing|forget it)\b", text, re.I):
            return Reply("command", "OK, nothing was changed.")
        else:
            found = match.find(candidates, words or text)
            chosen = found.found
        if chosen is None or chosen.id not in {t.id for t in self.todos.items}:
            return None                       # not an answer to the question: a new message
        return await self._change(cmd, chosen)

    async def _apply(self, cmd):
        """Apply a command -> Reply, or None for a soft command that names no to-do."""
        if isinstance(cmd, intents.Add):
            todo = await self.todos.add(cmd.title, cmd.due)
            self.focus = todo.id
            due = f", due {fmt_date(todo.due, self.today())}" if todo.due else ""
            return Reply("command", f"Added {quoted(todo.title)}{due}.", changed=True)
        prefer = {intents.Complete: lambda t: not t.done,
                  intents.Reopen: lambda t: t.done}.get(type(cmd))
        soft = getattr(cmd, "soft", False)
        focus = self.todos.get(self.focus) if self.focus else None
        found = resolve(self.todos.items, cmd.query, focus, prefer, by_meaning=not soft)
        if soft and found.found is not None and getattr(cmd, "verb", ""):
            # "I called the bank" is not "Pay the bank": the verb must be the title's, unless
            # the rest names two of its words ("I sent the expense report").
            title = content_words(found.found.title)
            verb = content_words(cmd.verb)[0]
            named = [w for w in content_words(cmd.query) if any(close(w, t) for t in title)]
            if not any(close(verb, w) for w in title) and len(set(named)) < 2:
                found = match.Match()
        if soft and found.found is None:
            return None
        if found.ambiguous:
            self.pending = (cmd, found.candidates[:5])
            names = " or ".join(quoted(t.title) for t in found.candidates[:5])
            return Reply("command", f"Which one do you mean: {names}? Nothing was changed.")
        if found.found is None:
            return Reply("command", f"I couldn't find a to-do matching {quoted(cmd.query)}. "
                                    "Nothing was changed.")
        return await self._change(cmd, found.found)

    async def _change(self, cmd, todo):
        self.focus = todo.id
        today = self.today()
        if isinstance(cmd, intents.Complete):
            if todo.done:
                return Reply("command", f"{quoted(todo.title)} is already done.")
            await self.todos.set_done(todo.id, True)
            return Reply("command", f"Marked {quoted(todo.title)} as done.", changed=True)
        if isinstance(cmd, intents.Reopen):
            if not todo.done:
                return Reply("command", f"{quoted(todo.title)} is already open.")
            await self.todos.set_done(todo.id, False)
            return Reply("command", f"Marked {quoted(todo.title)} as not done.", changed=True)
        if isinstance(cmd, intents.Delete):
            await self.todos.delete(todo.id)
            self.focus = None
            return Reply("command", f"Deleted {quoted(todo.title)}.", changed=True)
        if isinstance(cmd, intents.Rename):
            new = await self.todos.update(todo.id, title=cmd.title)
            return Reply("command", f"Renamed {quoted(todo.title)} to {quoted(new.title)}.",
                         changed=True)
        if isinstance(cmd, intents.SetDue):
            if todo.due == cmd.due:
                return Reply("command", f"{quoted(todo.title)} is already "
                             + (f"due {fmt_date(todo.due, today)}." if todo.due else "without a due date."))
            await self.todos.update(todo.id, due=cmd.due)
            if cmd.due is None:
                return Reply("command", f"Removed the due date of {quoted(todo.title)}.", changed=True)
            return Reply("command", f"{quoted(todo.title)} is now due {fmt_date(cmd.due, today)}.",
                         changed=True)
        raise TypeError(f"unhandled command {cmd!r}")
