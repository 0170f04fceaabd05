"""The conversation: routes each message to code (commands, list questions) or to the model
(everything else, with the facts in the system prompt), keeps the history, streams, stops and
regenerates.

    reply = await assistant.respond("add buy milk")
    async for delta in reply.stream():   # one chunk for code replies, tokens for the model
        ...
"""
import datetime
from dataclasses import dataclass, field

from app.chat import answers, commands
from app.chat.answers import quoted
from app.chat.prompt import DEFAULT_CONTEXT, MAX_FACTS_TOKENS, fit_messages, system_prompt
from app.engines.base import GenerationOptions, Message
from app.todos import match


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

    async def stream(self):
        yield self.text


class ModelReply(Reply):
    def __init__(self, engine, messages, options, turn, notices, on_end):
        super().__init__("model", notices=notices)
        self.engine, self.messages, self.options, self.turn = engine, messages, options, turn
        self.deltas = 0
        self._on_end = on_end

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
        self.options = options or GenerationOptions(max_tokens=200, temperature=0.3)
        self.route_facts = route_facts     # False sends list questions to the model (bench)
        self.turns = []
        self.current = None                # the ModelReply streaming now, if any

    @property
    def has_model(self):
        return self.engine is not None and self.engine.loaded

    def today(self):
        return self._today()

    # ------------------------------------------------------------ one message
    async def respond(self, text):
        text = " ".join(text.split())
        if not text:
            raise ValueError("Type a message first.")
        turn = Turn(text)
        self.turns.append(turn)
        parsed = commands.parse(text, self.today())
        if isinstance(parsed, commands.Status):
            todo = match.mentioned(self.todos.items, parsed.text) \
                if self.route_facts or not self.has_model else None
            parsed = commands.Ask("status") if todo else None
        if isinstance(parsed, commands.Help):
            reply = Reply("facts", answers.HELP)
        elif isinstance(parsed, commands.Ask) and parsed.topic == "status":
            reply = Reply("facts", answers.status(todo, self.today()))
        elif isinstance(parsed, commands.Ask) and (self.route_facts or not self.has_model):
            reply = Reply("facts", answers.answer(parsed.topic, self.todos.facts(self.today())))
        elif parsed is not None and not isinstance(parsed, commands.Ask):
            reply = await self._apply(parsed)
        elif self.has_model:
            reply = self._model_reply(turn)
        else:
            reply = Reply("no-model", answers.NO_MODEL)
        turn.kind = reply.kind
        if reply.kind != "model":
            turn.reply = reply.text
        return reply

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
        system, notice = system_prompt(self.todos.facts(self.today()), facts_budget)
        history = []
        for earlier in self.turns[:self.turns.index(turn)]:
            if earlier.reply and earlier.kind != "no-model":   # not "please load a model"
                history += [("user", earlier.user), ("assistant", earlier.reply)]
        messages, _dropped = fit_messages(system, history + [("user", turn.user)],
                                          context, reply_tokens)
        return [Message(r, c) for r, c in messages], [notice] if notice else []

    def _model_reply(self, turn):
        messages, notices = self.build_prompt(turn)
        reply = ModelReply(self.engine, messages, self.options, turn, notices, self._ended)
        turn.kind = "model"
        self.current = reply
        return reply

    def _ended(self, reply):
        if self.current is reply:
            self.current = None

    # ------------------------------------------------------------ commands
    async def _apply(self, cmd):
        items = self.todos.items
        if isinstance(cmd, commands.Add):
            todo = await self.todos.add(cmd.title, cmd.due)
            due = f", due {answers.fmt_date(todo.due, self.today())}" if todo.due else ""
            return Reply("command", f"Added {quoted(todo.title)}{due}.", changed=True)
        prefer = {commands.Complete: lambda t: not t.done,
                  commands.Reopen: lambda t: t.done}.get(type(cmd))
        found = match.find(items, cmd.query, prefer)
        if found.ambiguous:
            names = " or ".join(quoted(t.title) for t in found.candidates[:5])
            return Reply("command", f"Which one do you mean: {names}? Nothing was changed.")
        todo = found.found
        if todo is None:
            return Reply("command", f"I couldn't find a to-do matching {quoted(cmd.query)}. "
                                    "Nothing was changed.")
        if isinstance(cmd, commands.Complete):
            if todo.done:
                return Reply("command", f"{quoted(todo.title)} is already done.")
            await self.todos.set_done(todo.id, True)
            return Reply("command", f"Marked {quoted(todo.title)} as done.", changed=True)
        if isinstance(cmd, commands.Reopen):
            if not todo.done:
                return Reply("command", f"{quoted(todo.title)} is already open.")
            await self.todos.set_done(todo.id, False)
            return Reply("command", f"Marked {quoted(todo.title)} as not done.", changed=True)
        if isinstance(cmd, commands.Delete):
            await self.todos.delete(todo.id)
            return Reply("command", f"Deleted {quoted(todo.title)}.", changed=True)
        if isinstance(cmd, commands.Rename):
            new = await self.todos.update(todo.id, title=cmd.title)
            return Reply("command", f"Renamed {quoted(todo.title)} to {quoted(new.title)}.",
                         changed=True)
        raise TypeError(f"unhandled command {cmd!r}")
