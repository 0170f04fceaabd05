"""Chat templates for runtimes that take one prompt string (MediaPipe's LlmInference)."""
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
