"""app.engines.byte_level against the Hugging Face tokenizer of SmolLM2: for every text of the
fixture (tests/fixtures/smollm2_tokens.json, made once by tools/convert/token_fixture.py),
the prompt mapping gives exactly the alphabet the HF pieces are written in, and the pieces,
streamed one at a time as MediaPipe hands them over, decode back to the text."""
import json
from pathlib import Path

import pytest

from app.engines import byte_level

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "smollm2_tokens.json").read_text())
ROWS = FIXTURE["texts"]


@pytest.mark.parametrize("row", ROWS, ids=[r["text"][:24] for r in ROWS])
def test_encode_gives_the_alphabet_of_the_hf_pieces(row):
    assert byte_level.encode(row["text"]) == "".join(row["pieces"])


@pytest.mark.parametrize("row", ROWS, ids=[r["text"][:24] for r in ROWS])
def test_streamed_hf_pieces_decode_back_to_the_text(row):
    decoder = byte_level.Decoder()
    streamed = [decoder.feed(piece) for piece in row["pieces"]] + [decoder.flush()]
    assert "".join(streamed) == row["text"]
    assert "Ġ" not in "".join(streamed) or "Ġ" in row["text"]


def test_a_character_split_over_two_pieces_waits_for_its_last_byte():
    pieces = [byte_level.encode("ok 🎉")[:-2], byte_level.encode("🎉")[-2:]]   # 4 bytes: 2 + 2
    decoder = byte_level.Decoder()
    assert decoder.feed(pieces[0]) == "ok "
    assert decoder.feed(pieces[1]) == "🎉"
    assert decoder.flush() == ""


def test_special_tokens_and_plain_ascii_pass_through_both_ways():
    text = "<|im_start|>user\nHi!<|im_end|>\n"
    assert byte_level.encode(text) == "<|im_start|>userĊHi!<|im_end|>Ċ"
    assert byte_level.decode(["<|im_start|>", "user", "Ċ", "Hi", "!", "<|im_end|>"]) == text[:-1]


def test_every_byte_round_trips_and_the_alphabet_is_256_distinct_characters():
    assert len(set(byte_level.BYTE_CHARS.values())) == 256
    data = bytes(range(256))
    mapped = "".join(byte_level.BYTE_CHARS[b] for b in data)
    assert bytes(byte_level.CHAR_BYTES[c] for c in mapped) == data


def test_characters_outside_the_alphabet_and_broken_bytes_never_raise():
    # the runtime's own text (not in the alphabet) passes as UTF-8; a stray continuation
    # byte ("\x80" stands for byte 0x80) becomes U+FFFD, and so does a cut-off character
    assert byte_level.decode(["Ġ⁇Ġ"]) == " ⁇ "
    assert byte_level.decode([byte_level.BYTE_CHARS[0x80]]) == "\ufffd"
    assert byte_level.decode([byte_level.encode("é")[0]]) == "\ufffd"
