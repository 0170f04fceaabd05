"""Write the Hugging Face token ids of a set of texts, the reference the tokenizer tests check
our SentencePiece conversion against without the converter's environment.

    .cache/convert-venv/bin/python -m tools.convert.token_fixture GGUF OUT.json

Made once and committed (tests/fixtures/smollm2_tokens.json); run it again only when
the texts below change. Needs transformers + gguf (the converter's environment).
"""
import json
import sys
from pathlib import Path

# The app's own prompt shape (ChatML turns around a grounded system prompt), then text that
# stresses byte-level BPE: numbers, punctuation, contractions, accents, emoji, CJK, code,
# runs of spaces and newlines, and special tokens next to text.
TEXTS = [
    "<|im_start|>system\nYou are a helpful assistant for the user's to-do list. Answer briefly, "
    "in one or two sentences. The facts below are correct; use them and do not invent to-dos.\n"
    "Today is Thursday 3 December 2026.\nThe user has 5 to-dos: 3 open and 2 done.\n"
    "Overdue: 1. Due today: 1.\nOverdue (1): Pay rent (due Tue 1 Dec).\nDue today (1): Call mom."
    "\nOpen to-dos (3): Pay rent (due Tue 1 Dec); Call mom (due today); Buy milk.\n"
    "Done to-dos (2): Water the plants; Book train tickets.<|im_end|>\n"
    "<|im_start|>user\nHow many open to-dos do I have?<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>user\nWhat should I do first today, and why?<|im_end|>\n<|im_start|>assistant\n"
    "You should pay the rent first: it is overdue.<|im_end|>\n",
    "Hello world",
    "I'm sure they'll say it's fine, isn't it? We've done it; you're right.",
    "Call the dentist at 10:30 on 2026-12-05, costs $1,234.56 (approx. 15%)!",
    "Café, naïve, résumé, Straße, Ærøskøbing, Łódź",
    "Emoji: 🎉👍🏽 and ❤️ — “quotes” ‘single’ … ellipsis",
    "中文测试, 日本語のテキスト, 한국어",
    "def add(a, b):\n    return a + b\n\nprint(add(1, 2))",
    "Line one.\nLine two.\n\nA new paragraph.\n\n\nThree newlines.",
    "tabs\there\tand\tthere",
    "two  spaces, three   spaces,    four, trailing space ",
    " leading space",
    "<|im_start|><|im_end|><|endoftext|><repo_name>x<file_sep>y",
    "https://example.com/path?query=1&b=two#frag <b>html</b> &amp;",
    "UPPER lower MiXeD snake_case camelCase kebab-case 3.14159 1e-9 0x1F",
]


# A conversation the chat template renders: the engine's ChatML writer must give the same text.
CHAT = [
    {"role": "system", "content": "You are a helpful assistant for the user's to-do list.\n"
                                  "Open to-dos (2): Buy milk; Call mom."},
    {"role": "user", "content": "How many open to-dos do I have?"},
    {"role": "assistant", "content": "You have 2 open to-dos."},
    {"role": "user", "content": "Which one first?"},
]


def main(argv=None):
    gguf, out = (argv or sys.argv[1:])[:2]
    from transformers import AutoTokenizer
    path = Path(gguf)
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    rows = []
    for text in TEXTS:
        ids = tok.encode(text, add_special_tokens=False)
        rows.append({"text": text, "ids": ids, "pieces": tok.convert_ids_to_tokens(ids)})
    prompt = tok.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)
    chat = {"messages": CHAT, "prompt": prompt,
            "ids": tok.encode(prompt, add_special_tokens=False)}
    Path(out).write_text(json.dumps({"source": path.name, "texts": rows, "chat": chat},
                                    ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
