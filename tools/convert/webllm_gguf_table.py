"""The tensor table of a GGUF file, after its metadata: per tensor its name, n_dims (u32),
dims (u64 each, innermost first), ggml type (u32) and offset (u64, from the aligned start of
the data section). Pure Python; webllm_gguf.py reads and dequantizes the data (numpy).
"""
from dataclasses import dataclass

from tools.convert.gguf_meta import GgufError, _Reader

# ggml type -> (elements per block, bytes per block)
F32, F16, Q4_0, Q4_1, Q8_0 = 0, 1, 2, 3, 8
BLOCKS = {F32: (1, 4), F16: (1, 2), Q4_0: (32, 18), Q4_1: (32, 20), Q8_0: (32, 34)}
TYPE_NAMES = {F32: "F32", F16: "F16", Q4_0: "Q4_0", Q4_1: "Q4_1", Q8_0: "Q8_0"}


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple        # numpy order: outermost first (GGUF stores innermost first)
    ggml_type: int
    offset: int         # absolute, in the file

    @property
    def count(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self):
        per_block, block_bytes = BLOCKS[self.ggml_type]
        return self.count // per_block * block_bytes


def read_tensor_infos(path):
    """{name: TensorInfo} of the GGUF at `path`; an unsupported tensor type is an error."""
    with open(path, "rb") as f:
        r = _Reader(f, path)
        if f.read(4) != b"GGUF":
            raise GgufError(f"{path}: not a GGUF file (no GGUF magic number)")
        r.scalar("<I")
        n_tensors, n_kv = r.scalar("<Q"), r.scalar("<Q")
        alignment = 32
        for _ in range(n_kv):
            key = r.string()
            value = r.value(r.scalar("<I"))
            if key == "general.alignment":
                alignment = int(value)
        raw = []
        for _ in range(n_tensors):
            name = r.string()
            dims = [r.scalar("<Q") for _ in range(r.scalar("<I"))]
            raw.append((name, tuple(reversed(dims)), r.scalar("<I"), r.scalar("<Q")))
        start = -(-f.tell() // alignment) * alignment
    infos = {}
    for name, shape, ggml_type, offset in raw:
        if ggml_type not in BLOCKS:
            supported = ", ".join(TYPE_NAMES.values())
            raise GgufError(f"{path}: tensor {name} has ggml type {ggml_type}, which this "
                            f"converter cannot dequantize (supported: {supported})")
        infos[name] = TensorInfo(name, shape, ggml_type, start + offset)
    return infos


def has_tensor(path, name):
    return name in read_tensor_infos(path)
