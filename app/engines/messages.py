"""Shared plumbing for engines: message normalisation, options, reply bookkeeping."""
from dataclasses import dataclass

from app.compat import js_get
from app.engines.base import EngineError, GenerationOptions, Message

ROLES = ("system", "user", "assistant")


def normalize(messages):
    """[Message | dict] -> [{"role", "content"}], refusing what no runtime would accept."""
    out = []
    for m in messages:
        role, content = (m.role, m.content) if isinstance(m, Message) else (m.get("role"), m.get("content"))
        if role not in ROLES:
            raise EngineError(f"unknown message role {role!r} (expected one of {', '.join(ROLES)})")
        out.append({"role": role, "content": "" if content is None else str(content)})
    if not out:
        raise EngineError("nothing to answer: the conversation is empty")
    return out


def options_or_default(options):
    return options if options is not None else GenerationOptions()


@dataclass
class ReplyStats:
    """How the last reply ended: finish is "stop" (model ended), "length" (max tokens),
    "aborted" (stop() was called) or "error"."""
    finish: str = "stop"
    tokens: int = 0           # generated tokens (the runtime's count when it gives one)
    prompt_tokens: int = 0
    prompt_ms: float = 0.0    # runtime-reported, when available
    decode_tps: float = 0.0


def read_openai_chunk(chunk, stats):
    """One OpenAI-shaped streaming chunk (wllama and web-llm both send them) -> its text delta
    or None; the token count and finish reason go into `stats` (ReplyStats)."""
    if not chunk.choices.length:
        return None
    choice = chunk.choices[0]
    finish = js_get(choice, "finish_reason")            # null until the last chunk
    if isinstance(finish, str):
        stats.finish = finish
    text = js_get(choice.delta, "content")
    if isinstance(text, str) and text:
        stats.tokens += 1
        return text
    return None
