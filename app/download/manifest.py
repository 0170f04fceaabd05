"""Chunk manifests: `<file>.chunks.json`, the sha256 of every chunk of a file.

With one, a download checks each chunk the moment it arrives (native `crypto.subtle.digest`,
which has no incremental form but is fast on a whole chunk), re-fetches only a chunk that
fails, and commits once every chunk has passed: no whole-file pass after the last byte.

Format 1 (written by build.py through `make_manifest`):
    {"format": 1, "size": bytes, "chunk_size": bytes, "sha256": whole-file hex,
     "chunks": [hex of chunk 0, hex of chunk 1, ...]}
Chunk i is bytes [i * chunk_size, min(size, (i + 1) * chunk_size)). The catalog names the
manifest with its own sha256 (catalog.ChunksRef), so a stale or altered manifest is refused
before any of its hashes is trusted.
Pure Python: imports (and is tested) in CPython.
"""
import hashlib
import json
from dataclasses import dataclass

from app.download.catalog import SHA256

FORMAT = 1
DEFAULT_CHUNK_SIZE = 5 << 20       # the downloader's default chunk: one grid for both


class ManifestError(ValueError):
    """The manifest is not the one the catalog names, or is malformed; str() says how."""


@dataclass(frozen=True)
class Manifest:
    size: int
    chunk_size: int
    sha256: str
    chunks: tuple                  # hex digests, one per chunk

    def span(self, index):
        """Bytes [start, end) of chunk `index`."""
        start = index * self.chunk_size
        return start, min(self.size, start + self.chunk_size)

    def index(self, start):
        """The chunk that starts at byte `start` (chunks are whole: any other start is a bug)."""
        if start % self.chunk_size:
            raise ValueError(f"byte {start} is not on a chunk boundary")
        return start // self.chunk_size

    def expected(self, start, end):
        """The hex digest of the chunk [start, end); ValueError when that is not one chunk."""
        i = self.index(start)
        if i >= len(self.chunks) or self.span(i) != (start, end):
            raise ValueError(f"[{start}, {end}) is not a chunk of this manifest")
        return self.chunks[i]

    def spans(self):
        return [self.span(i) for i in range(len(self.chunks))]

    def whole_chunks(self, done):
        """Indices of the chunks that the ranges `done` cover entirely (what a resume has
        stored, to be checked again); a chunk only partly covered counts as missing."""
        out = []
        for i in range(len(self.chunks)):
            start, end = self.span(i)
            if any(s <= start and end <= e for s, e in done):
                out.append(i)
        return out

    def to_json(self):
        """The canonical bytes (what build.py writes and the catalog's sha256 is taken of)."""
        return (json.dumps({"format": FORMAT, "size": self.size, "chunk_size": self.chunk_size,
                            "sha256": self.sha256, "chunks": list(self.chunks)},
                           indent=1) + "\n").encode()


def chunk_count(size, chunk_size):
    return -(-size // chunk_size)


def parse_manifest(data, expected_sha256=None, size=None, sha256=None):
    """bytes -> Manifest. `expected_sha256`: the catalog's hash of the manifest itself;
    `size`/`sha256`: what the catalog says of the file (checked when known)."""
    if isinstance(data, str):
        data = data.encode()
    if expected_sha256 is not None:
        got = hashlib.sha256(data).hexdigest()
        if got != expected_sha256:
            raise ManifestError(f"the chunk manifest is not the one the catalog names (its sha256 "
                                f"is {got}, expected {expected_sha256}): stale or altered")
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise ManifestError(f"the chunk manifest is not valid JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ManifestError(f"the chunk manifest must be an object with \"format\": {FORMAT}")
    m_size, m_chunk = raw.get("size"), raw.get("chunk_size")
    if not _count(m_size) or not _count(m_chunk) or m_chunk == 0:
        raise ManifestError("the chunk manifest needs a byte 'size' and a positive 'chunk_size'")
    whole, chunks = raw.get("sha256"), raw.get("chunks")
    if not _hex(whole):
        raise ManifestError("the chunk manifest's 'sha256' must be 64 hex digits")
    if not isinstance(chunks, list) or not all(_hex(c) for c in chunks):
        raise ManifestError("the chunk manifest's 'chunks' must be a list of 64-hex-digit sha256s")
    if len(chunks) != chunk_count(m_size, m_chunk):
        raise ManifestError(f"the chunk manifest lists {len(chunks)} chunks; {m_size} bytes in "
                            f"chunks of {m_chunk} make {chunk_count(m_size, m_chunk)}")
    if size is not None and m_size != size:
        raise ManifestError(f"the chunk manifest is for {m_size} bytes, the catalog says {size}")
    if sha256 is not None and whole.lower() != sha256:
        raise ManifestError("the chunk manifest is for another file (its whole-file sha256 is "
                            "not the catalog's)")
    return Manifest(m_size, m_chunk, whole.lower(), tuple(c.lower() for c in chunks))


def make_manifest(path, chunk_size=DEFAULT_CHUNK_SIZE):
    """The manifest of a file on disk (build time, CPython): one read, every hash."""
    whole, chunks, size = hashlib.sha256(), [], 0
    with open(path, "rb") as f:
        while block := f.read(chunk_size):
            whole.update(block)
            chunks.append(hashlib.sha256(block).hexdigest())
            size += len(block)
    return Manifest(size, chunk_size, whole.hexdigest(), tuple(chunks))


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _hex(value):
    return isinstance(value, str) and bool(SHA256.match(value.lower()))
