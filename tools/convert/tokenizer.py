"""A byte-level BPE tokenizer (GGUF or Hugging Face tokenizer.json) as the SentencePiece model
a MediaPipe bundle carries, so that MediaPipe encodes a prompt to the same token ids.

MediaPipe tokenizes with SentencePiece. Written naively, a GPT-2 style vocabulary comes out
wrong in two ways: its added tokens (`<|im_start|>` and the other special tokens) become
ordinary pieces that SentencePiece never matches whole, so the prompt's turn markers are
split into characters; and SentencePiece's whitespace handling (a "▁" for every space)
does not fit a vocabulary whose space is "Ġ". So:
- every added/control token is a USER_DEFINED piece (matched whole anywhere in the text),
  the unknown token the one UNKNOWN piece;
- the normalizer is the identity with no dummy prefix and no whitespace escaping: the
  engine hands MediaPipe the prompt already in the vocabulary's alphabet
  (app/engines/byte_level.py), which has no spaces at all;
- a merged piece scores minus its merge rank, so SentencePiece's BPE (merge the pair
  making the best-scoring piece first) replays the merges in the order BPE learnt them.

What still differs: the Hugging Face tokenizer first cuts text at word and whitespace
boundaries, SentencePiece does not, so a merge may cross one (two spaces before a word:
"ĠĠ" + "word" instead of "Ġ" + "Ġword"). tests/tools/test_convert_tokenizer.py pins which
texts give exactly the Hugging Face ids.

Pure Python (tools/protowire.py): no protobuf, no converter environment.
"""
import json
from dataclasses import dataclass

from app.engines.byte_level import BYTE_CHARS
from tools.protowire import message


class TokenizerError(ValueError):
    """The source has no tokenizer this module can carry over; str() says why."""


# SentencePiece's piece types and model type (sentencepiece_model.proto)
NORMAL, UNKNOWN, CONTROL, USER_DEFINED = 1, 2, 3, 4
BPE = 2
# GGUF token types (llama.cpp): 1 normal, 2 unknown, 3 control, 4 user defined, 6 byte
GGUF_SPECIAL = (2, 3, 4)


@dataclass(frozen=True)
class ByteLevelBpe:
    tokens: tuple           # piece text by id, in the byte-level alphabet
    merges: tuple           # (left, right) pairs, in the order they were learnt
    special: frozenset      # ids of added/control tokens (matched whole)
    unk_id: int
    bos_id: int | None = None
    eos_id: int | None = None
    chat_template: str | None = None

    def id_of(self, text):
        return self.tokens.index(text)


def _check(bpe, where):
    if not bpe.tokens:
        raise TokenizerError(f"{where}: the tokenizer has no vocabulary")
    # A byte-level vocabulary has its stand-ins for space and newline as pieces, and all
    # but a few of the 256 (bytes that never occur in UTF-8 may be left out).
    pieces = set(bpe.tokens)
    found = sum(c in pieces for c in BYTE_CHARS.values())
    if "Ġ" not in pieces or "Ċ" not in pieces or found < 200:
        raise TokenizerError(f"{where}: not a byte-level BPE vocabulary (only {found} of the "
                             "256 byte characters are pieces of it)")
    if not 0 <= bpe.unk_id < len(bpe.tokens):
        raise TokenizerError(f"{where}: unknown-token id {bpe.unk_id} is outside the vocabulary")
    return bpe


def _pairs(merges, where):
    out = []
    for m in merges:
        pair = tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m)
        if len(pair) != 2:
            raise TokenizerError(f"{where}: malformed merge {m!r}")
        out.append(pair)
    return tuple(out)


def from_gguf(meta, where="GGUF"):
    """From the metadata of a GGUF file (tools/convert/gguf_meta.py)."""
    model = meta.get("tokenizer.ggml.model")
    if model is None or "tokenizer.ggml.tokens" not in meta:
        raise TokenizerError(f"{where}: has no tokenizer (no tokenizer.ggml.* entries)")
    if model != "gpt2":
        raise TokenizerError(f"{where}: tokenizer type {model!r} is not supported "
                             "(only byte-level BPE, 'gpt2')")
    tokens = tuple(meta["tokenizer.ggml.tokens"])
    types = meta.get("tokenizer.ggml.token_type") or [1] * len(tokens)
    special = frozenset(i for i, t in enumerate(types) if t in GGUF_SPECIAL)
    unk = meta.get("tokenizer.ggml.unknown_token_id")
    if unk is None:
        unk = min(special) if special else 0
    return _check(ByteLevelBpe(
        tokens, _pairs(meta.get("tokenizer.ggml.merges", []), where), special, int(unk),
        meta.get("tokenizer.ggml.bos_token_id"), meta.get("tokenizer.ggml.eos_token_id"),
        meta.get("tokenizer.chat_template")), where)


def from_tokenizer_json(text, config=None, where="tokenizer.json"):
    """From a Hugging Face tokenizer.json (and its tokenizer_config.json as a dict)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TokenizerError(f"{where}: not valid JSON: {exc}") from None
    model = data.get("model") or {}
    if model.get("type") != "BPE" or "ByteLevel" not in json.dumps(data.get("pre_tokenizer")):
        raise TokenizerError(f"{where}: not a byte-level BPE tokenizer "
                             f"(model {model.get('type')!r})")
    vocab = dict(model.get("vocab") or {})
    for added in data.get("added_tokens") or []:
        vocab[added["content"]] = added["id"]
    size = max(vocab.values()) + 1
    tokens = [None] * size
    for piece, i in vocab.items():
        tokens[i] = piece
    holes = [i for i, t in enumerate(tokens) if t is None]
    if holes:
        raise TokenizerError(f"{where}: token ids have gaps (first: {holes[0]})")
    special = frozenset(a["id"] for a in data.get("added_tokens") or [])
    config = config or {}

    def token_id(name):
        value = config.get(name)
        value = value.get("content") if isinstance(value, dict) else value
        return vocab.get(value) if value is not None else None
    unk = token_id("unk_token")
    if unk is None:
        unk = model.get("unk_token") and vocab.get(model["unk_token"])
    if unk is None:
        unk = min(special) if special else 0
    return _check(ByteLevelBpe(
        tuple(tokens), _pairs(model.get("merges") or [], where), special, int(unk),
        token_id("bos_token"), token_id("eos_token"), config.get("chat_template")), where)


def sentencepiece_model(bpe):
    """The serialized SentencePiece ModelProto for `bpe` (see the module docstring)."""
    rank = {}
    for r, (left, right) in enumerate(bpe.merges):
        rank.setdefault(left + right, r)
    floor = -float(len(bpe.merges) + 1)
    pieces = []
    for i, text in enumerate(bpe.tokens):
        if i == bpe.unk_id:
            kind, score = UNKNOWN, 0.0
        elif i in bpe.special:
            kind, score = USER_DEFINED, 0.0
        else:
            kind = NORMAL
            score = -float(rank[text]) if text in rank else (0.0 if len(text) == 1 else floor)
        pieces.append(message((1, text), (2, score), (3, kind)))
    trainer = message((3, BPE), (4, len(bpe.tokens)), (35, False),
                      (40, bpe.unk_id), (41, -1), (42, -1), (43, -1),
                      (44, bpe.tokens[bpe.unk_id]), (45, bpe.tokens[bpe.unk_id]))
    normalizer = message((1, "identity"), (3, False), (4, False), (5, False))
    return message((1, pieces), (2, trainer), (3, normalizer))
