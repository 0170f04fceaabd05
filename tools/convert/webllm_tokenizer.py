"""A Hugging Face `tokenizer.json` (what web-llm's tokenizer reads) from a GGUF's byte-level
BPE vocabulary: the vocabulary and merges as llama.cpp stored them, its control tokens as
added special tokens, and the pre-tokenizer of the GGUF's `tokenizer.ggml.pre`.

Pure Python: tests/tools/test_convert_webllm.py checks it without the converter environment.
"""
import json

from tools.convert.webllm_layout import LayoutError

# GGUF token types (llama.cpp): 1 normal, 2 unknown, 3 control, 4 user defined, 6 byte
SPECIAL_TYPES = (2, 3, 4)
# The Hugging Face pre-tokenizers of the llama.cpp `pre` names this converter knows.
_BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
               "use_regex": True}
PRE_TOKENIZERS = {
    "smollm": {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True}, _BYTE_LEVEL]},
    "gpt2": _BYTE_LEVEL,
    "default": _BYTE_LEVEL,
}


def tokenizer_json(meta, where="GGUF"):
    """The tokenizer.json text for the GGUF metadata `meta`."""
    if meta.get("tokenizer.ggml.model") != "gpt2":
        raise LayoutError(f"{where}: tokenizer {meta.get('tokenizer.ggml.model')!r} is not "
                          "supported (only byte-level BPE, 'gpt2')")
    pre = meta.get("tokenizer.ggml.pre", "default")
    if pre not in PRE_TOKENIZERS:
        raise LayoutError(f"{where}: pre-tokenizer {pre!r} is not supported "
                          f"({', '.join(sorted(PRE_TOKENIZERS))})")
    tokens = meta["tokenizer.ggml.tokens"]
    types = meta.get("tokenizer.ggml.token_type") or [1] * len(tokens)
    merges = meta.get("tokenizer.ggml.merges") or []
    if len(set(tokens)) != len(tokens):
        raise LayoutError(f"{where}: the vocabulary has duplicate pieces")
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True}
             for i, (t, kind) in enumerate(zip(tokens, types)) if kind in SPECIAL_TYPES]
    data = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": PRE_TOKENIZERS[pre],
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)},
                  "merges": [m.split(" ", 1) for m in merges]},
    }
    return json.dumps(data, ensure_ascii=False)
