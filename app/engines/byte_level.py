"""Text <-> the alphabet of a GPT-2 style byte-level BPE vocabulary (SmolLM2, Llama 3, Qwen...).

Such a vocabulary is written over 256 printable stand-ins for the bytes of UTF-8 text:
printable Latin-1 characters stand for themselves, every other byte (space, newline,
control bytes, the rest of Latin-1) for a character from U+0100 on: a space is "Ġ", a
newline "Ċ". The SentencePiece tokenizer that `build.py convert` puts into a MediaPipe
model holds those pieces as they are, so MediaPipe must be given the prompt in that
alphabet and hands back pieces in it ("ĠHello"): `encode()` maps the prompt, and a
`Decoder` maps the streamed pieces back to text, keeping a character whose bytes are
split over two pieces until it is whole. Special tokens ("<|im_start|>") are printable
ASCII, which stands for itself, so they pass through both ways unchanged.
Pure Python: tested in CPython.
"""
import codecs


def _byte_chars():
    """byte -> its stand-in character (GPT-2's table)."""
    kept = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
            *range(ord("®"), ord("ÿ") + 1)]
    table, moved = {}, 0
    for byte in range(256):
        if byte in kept:
            table[byte] = chr(byte)
        else:
            table[byte] = chr(256 + moved)
            moved += 1
    return table


BYTE_CHARS = _byte_chars()
CHAR_BYTES = {char: byte for byte, char in BYTE_CHARS.items()}
_ENCODE = str.maketrans({chr(b): c for b, c in BYTE_CHARS.items() if chr(b) != c})


def encode(text):
    """Text -> the same UTF-8 bytes written in the vocabulary's alphabet."""
    data = text.encode("utf-8")
    if data.isascii():      # the common case: only space, newline and controls move
        return data.decode("ascii").translate(_ENCODE)
    return "".join(BYTE_CHARS[b] for b in data)


class Decoder:
    """Streamed pieces in the vocabulary's alphabet -> text, incrementally.

    `feed(piece)` returns the text completed so far (a character whose UTF-8 bytes continue
    in the next piece waits for it); `flush()` ends the stream. A character outside the
    alphabet (text the runtime decoded itself, e.g. its unknown-token mark) passes as its
    own UTF-8 bytes. Bytes that are not valid UTF-8 become U+FFFD, never an exception."""

    def __init__(self):
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, piece):
        data = bytearray()
        for char in piece:
            byte = CHAR_BYTES.get(char)
            if byte is None:
                data += char.encode("utf-8")
            else:
                data.append(byte)
        return self._utf8.decode(bytes(data))

    def flush(self):
        return self._utf8.decode(b"", final=True)


def decode(pieces):
    """All pieces at once -> text."""
    decoder = Decoder()
    return "".join(decoder.feed(p) for p in pieces) + decoder.flush()
