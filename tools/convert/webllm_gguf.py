"""The tensors of a GGUF file as float32 numpy arrays: dequantization of the ggml types small
llama.cpp models use (F32, F16, Q4_0, Q4_1, Q8_0). The table is webllm_gguf_table.py's."""
import numpy as np

from tools.convert.gguf_meta import GgufError
from tools.convert.webllm_gguf_table import (  # noqa: F401 (re-exported for callers)
    BLOCKS, F16, F32, Q4_1, Q8_0, read_tensor_infos)


def dequantize(raw, ggml_type, shape):
    """float32 array of `shape` from the tensor's bytes."""
    if ggml_type == F32:
        return np.frombuffer(raw, "<f4").reshape(shape).copy()
    if ggml_type == F16:
        return np.frombuffer(raw, "<f2").astype(np.float32).reshape(shape)
    per_block, block_bytes = BLOCKS[ggml_type]
    blocks = np.frombuffer(raw, np.uint8).reshape(-1, block_bytes)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)          # (n, 1)
    if ggml_type == Q8_0:
        q = blocks[:, 2:].copy().view(np.int8).astype(np.float32)
        return (q * scale).reshape(shape)
    body = blocks[:, 4:] if ggml_type == Q4_1 else blocks[:, 2:]
    # a block's 16 bytes hold elements 0-15 in the low nibbles, 16-31 in the high ones
    q = np.concatenate([body & 0x0F, body >> 4], axis=1).astype(np.float32)
    if ggml_type == Q4_1:
        low = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
        return (q * scale + low).reshape(shape)
    return ((q - 8) * scale).reshape(shape)                               # Q4_0


def load(path, info):
    with open(path, "rb") as f:
        f.seek(info.offset)
        raw = f.read(info.nbytes)
    if len(raw) != info.nbytes:
        raise GgufError(f"{path}: tensor {info.name} runs past the end of the file (truncated?)")
    return dequantize(raw, info.ggml_type, info.shape)

