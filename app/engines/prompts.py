"""Chat templates for runtimes that take one prompt string (MediaPipe's LlmInference).
A catalog entry names its model's one in "chat_format" (default "gemma")."""
from app.engines.base import EngineError
from app.engines.messages import normalize


def gemma_prompt(messages):
    """Gemma's turn format. Gemma has no system role: system text opens the first user turn."""
    turns, system = [], []
    for m in normalize(messages):
        if m["role"] == "system":
            system.append(m["content"])
            continue
        text = m["content"]
        if m["role"] == "user" and system:
            text = "\n\n".join(system + [text])
            system = []
        role = "model" if m["role"] == "assistant" else "user"
        turns.append(f"<start_of_turn>{role}\n{text}<end_of_turn>\n")
    if system:   # only system text: ask with it as the user turn
        turns.append("<start_of_turn>user\n" + "\n\n".join(system) + "<end_of_turn>\n")
    return "".join(turns) + "<start_of_turn>model\n"


def chatml_prompt(messages):
    """ChatML (SmolLM2, Qwen...): every turn between <|im_start|>role and <|im_end|>, then the
    assistant's turn opened, as the model's own chat template writes it."""
    turns = [f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in normalize(messages)]
    return "".join(turns) + "<|im_start|>assistant\n"


FORMATS = {"gemma": gemma_prompt, "chatml": chatml_prompt}


def prompt_for(model):
    """The prompt writer of a catalog entry; EngineError for a format no engine writes."""
    name = model.get("chat_format", "gemma")
    if name not in FORMATS:
        raise EngineError(f"unknown chat format {name!r} (known: {', '.join(FORMATS)})")
    return FORMATS[name]
