"""The metadata of a GGUF file (architecture, dimensions, tokenizer), read in plain Python.

Only the key/value header is read, never the tensors, so checking a source and building its
tokenizer need neither the converter's virtual environment nor memory for the weights.
Format: "GGUF", version (3), tensor count, key/value count, then typed key/value pairs.
"""
import struct

MAGIC = b"GGUF"
# value type -> struct format of one scalar (8: string, 9: array, handled apart)
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9


class GgufError(ValueError):
    """The file is not a GGUF this reader understands; str() says why."""


class _Reader:
    def __init__(self, f, path):
        self.f, self.path = f, path

    def take(self, n):
        data = self.f.read(n)
        if len(data) != n:
            raise GgufError(f"{self.path}: ends inside its header (truncated?)")
        return data

    def scalar(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self):
        return self.take(self.scalar("<Q")).decode("utf-8", errors="surrogateescape")

    def value(self, vtype):
        if vtype == STRING:
            return self.string()
        if vtype == ARRAY:
            item_type, count = self.scalar("<I"), self.scalar("<Q")
            if item_type in _SCALARS:       # numbers in one read
                fmt = _SCALARS[item_type]
                size = struct.calcsize(fmt)
                return list(struct.unpack(f"<{count}{fmt[1]}", self.take(size * count)))
            return [self.value(item_type) for _ in range(count)]
        if vtype not in _SCALARS:
            raise GgufError(f"{self.path}: unknown value type {vtype}")
        return self.scalar(_SCALARS[vtype])


def read_metadata(path):
    """{key: value} of the GGUF header at `path`."""
    with open(path, "rb") as f:
        r = _Reader(f, path)
        if f.read(4) != MAGIC:
            raise GgufError(f"{path}: not a GGUF file (no GGUF magic number)")
        version = r.scalar("<I")
        if version not in (2, 3):
            raise GgufError(f"{path}: GGUF version {version} is not supported (2 or 3)")
        _tensors, count = r.scalar("<Q"), r.scalar("<Q")
        meta = {}
        for _ in range(count):
            key = r.string()
            meta[key] = r.value(r.scalar("<I"))
        return meta
