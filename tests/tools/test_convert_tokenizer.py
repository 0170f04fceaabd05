"""tools/convert/tokenizer.py: the SentencePiece model `build.py convert` puts into a MediaPipe
bundle, built from the embedded SmolLM2 GGUF, encodes the engine's prompts to exactly the
Hugging Face token ids (tests/fixtures/smollm2_tokens.json, made once by
tools/convert/token_fixture.py in the converter's environment). Runs in CPython with the
test requirements' sentencepiece; no converter environment."""
import json
from pathlib import Path

import pytest

from app.engines import byte_level
from app.engines.prompts import chatml_prompt
from tools import vendor
from tools.convert import tokenizer
from tools.convert.gguf_meta import GgufError, read_metadata

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "smollm2_tokens.json").read_text())
ROWS = FIXTURE["texts"]
# Where SentencePiece's BPE cannot follow the HF tokenizer (see tools/convert/tokenizer.py):
# HF cuts text at whitespace runs before merging, SentencePiece merges across them; and the
# unknown token (<|endoftext|>) is never matched from text. Each still decodes to the text.
DIFFERENT = ("def add", "Line one", "two  spaces", "<|im_start|><|im_end|><|endoftext|>")


@pytest.fixture(scope="module")
def gguf_meta(site_dir):
    """The embedded model's GGUF header (the build extracts the GGUF)."""
    return read_metadata(vendor.ROOT / vendor.embedded_models()[0]["files"][0]["url"])


@pytest.fixture(scope="module")
def sp(gguf_meta):
    import sentencepiece
    bpe = tokenizer.from_gguf(gguf_meta)
    return sentencepiece.SentencePieceProcessor(model_proto=tokenizer.sentencepiece_model(bpe))


def _encode(sp, text):
    return sp.encode(byte_level.encode(text))


@pytest.mark.parametrize("row", ROWS, ids=[r["text"][:24] for r in ROWS])
def test_prompt_encodes_to_the_hf_token_ids(sp, row):
    ids = _encode(sp, row["text"])
    if row["text"].startswith(DIFFERENT):
        assert ids != row["ids"]          # a known difference (if this passes, shrink DIFFERENT)
    else:
        assert ids == row["ids"]
    assert byte_level.decode(sp.id_to_piece(i) for i in ids) == row["text"]


def test_the_engines_chatml_prompt_is_the_models_template_and_encodes_to_its_ids(sp):
    chat = FIXTURE["chat"]
    assert chatml_prompt(chat["messages"]) == chat["prompt"]
    assert _encode(sp, chat["prompt"]) == chat["ids"]


def test_special_tokens_are_whole_user_defined_pieces(sp, gguf_meta):
    tokens = gguf_meta["tokenizer.ggml.tokens"]
    x = tokens.index("x")
    for i in range(1, 17):                      # <|im_start|>, <|im_end|>, <repo_name>, ...
        assert sp.id_to_piece(i) == tokens[i]
        assert _encode(sp, f"x{tokens[i]}x") == [x, i, x]
    assert sp.is_unknown(0) and sp.decode([0]) == "<|endoftext|>"
    assert sp.vocab_size() == len(tokens) == 49152
    assert (sp.bos_id(), sp.eos_id()) == (-1, -1)        # MediaPipe gets its stop tokens by name


def test_generated_pieces_decode_to_text_with_no_byte_level_characters(sp):
    ids = FIXTURE["texts"][6]["ids"]              # emoji, accents, quotes
    decoder = byte_level.Decoder()
    text = "".join(decoder.feed(sp.id_to_piece(i)) for i in ids) + decoder.flush()
    assert text == FIXTURE["texts"][6]["text"] and not set(text) & set("ĠĊ")


def test_a_tokenizer_json_gives_the_same_model_as_the_gguf(gguf_meta):
    """The Hugging Face folder path: the same vocabulary written as tokenizer.json."""
    tokens, types = gguf_meta["tokenizer.ggml.tokens"], gguf_meta["tokenizer.ggml.token_type"]
    data = {
        "model": {"type": "BPE", "vocab": {t: i for i, t in enumerate(tokens) if types[i] == 1},
                  "merges": gguf_meta["tokenizer.ggml.merges"]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}]},
        "added_tokens": [{"id": i, "content": t} for i, t in enumerate(tokens) if types[i] != 1],
    }
    config = {"unk_token": "<|endoftext|>", "eos_token": "<|im_end|>", "bos_token": "<|im_start|>",
              "chat_template": gguf_meta["tokenizer.chat_template"]}
    from_json = tokenizer.from_tokenizer_json(json.dumps(data), config)
    from_gguf = tokenizer.from_gguf(gguf_meta)
    assert tokenizer.sentencepiece_model(from_json) == tokenizer.sentencepiece_model(from_gguf)
    assert (from_json.eos_id, from_json.unk_id) == (2, 0)


def test_sources_without_a_byte_level_tokenizer_are_refused_with_the_reason():
    with pytest.raises(tokenizer.TokenizerError, match="has no tokenizer"):
        tokenizer.from_gguf({"general.architecture": "llama"}, where="m.gguf")
    with pytest.raises(tokenizer.TokenizerError, match="tokenizer type 'llama' is not supported"):
        tokenizer.from_gguf({"tokenizer.ggml.model": "llama", "tokenizer.ggml.tokens": ["a"]})
    with pytest.raises(tokenizer.TokenizerError, match="not a byte-level BPE vocabulary"):
        tokenizer.from_gguf({"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.tokens": ["a", "b"]})
    with pytest.raises(tokenizer.TokenizerError, match="not a byte-level BPE tokenizer"):
        tokenizer.from_tokenizer_json(json.dumps({"model": {"type": "Unigram"}}))
    with pytest.raises(tokenizer.TokenizerError, match="not valid JSON"):
        tokenizer.from_tokenizer_json("{")


def test_a_file_that_is_not_gguf_or_is_cut_short_is_refused(tmp_path):
    (tmp_path / "x.gguf").write_bytes(b"PK\x03\x04 not a gguf")
    with pytest.raises(GgufError, match="not a GGUF file"):
        read_metadata(tmp_path / "x.gguf")
    (tmp_path / "cut.gguf").write_bytes(b"GGUF" + (3).to_bytes(4, "little") + b"\0" * 8)
    with pytest.raises(GgufError, match="truncated"):
        read_metadata(tmp_path / "cut.gguf")
