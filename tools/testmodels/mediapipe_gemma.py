"""A tiny random Gemma-style LLM in MediaPipe's GPU `.bin` format, for offline tests.

No real MediaPipe model can be downloaded here, so tests make one: same container as the
converter's output (a TFLite flatbuffer with no operators whose buffers point at named
int8 weights stored after the header, and metadata: LlmParameters, the SentencePiece
vocabulary, the model type and the backend), with Gemma-2B-like structure but tiny,
square dimensions. The runtime reads the dimensions from the metadata, so it loads in
seconds and streams (garbage) tokens: enough to test load -> prefill -> stream -> done.

    python3 -m tools.testmodels.mediapipe_gemma OUT.bin [--lora OUT_LORA.bin]

Needs numpy, sentencepiece, flatbuffers and tflite (tests/requirements.txt).
"""
import argparse
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.protowire import message

HEADER_ALIGN = 64 * 1024       # the flatbuffer header is padded to this
TENSOR_ALIGN = 256             # every buffer starts on this boundary
MIN_SIZE = 1024 * 1024 + 4096  # the runtime first reads 1 MiB as the header; smaller is refused

LLM_MODEL_TYPE_GEMMA_2B = 6
# TransformerParameters enums
GELU, RMS_NORM, NO_NORM, CAUSAL, INV_SQRT_HEAD_DIM = 1, 2, 1, 1, 2
# tflite TensorType
FLOAT32, FLOAT16, INT32, INT8 = 0, 1, 2, 9


@dataclass(frozen=True)
class Dims:
    vocab: int = 256
    width: int = 256           # embedding_dim; every matrix is width x width
    heads: int = 4
    layers: int = 2
    max_seq: int = 512

    @property
    def head_dim(self):
        return self.width // self.heads


def llm_parameters(d):
    transformer = message(
        (1, 1), (2, d.max_seq), (3, d.width), (4, d.width), (5, d.head_dim), (6, d.heads),
        (7, d.layers),                          # num_kv_heads 0 = multi-head attention
        (11, message((1, True), (2, GELU), (3, RMS_NORM), (4, NO_NORM))),
        (12, message((1, True))),               # final projection: no bias, no soft cap
        (13, RMS_NORM), (14, NO_NORM), (15, RMS_NORM),
        (16, message((1, True), (2, True), (3, CAUSAL), (5, INV_SQRT_HEAD_DIM))),
        (18, True),                             # no absolute positional embeddings
    )
    return message((1, transformer), (2, d.vocab), (4, 2), (5, ["<eos>"]))


def sentencepiece_model(vocab_size):
    """A SentencePiece model trained on generated text, Gemma's special ids (pad 0, eos 1,
    bos 2, unk 3)."""
    import sentencepiece as spm
    rng = np.random.default_rng(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(list(letters), size=rng.integers(2, 7))) for _ in range(400)]
    lines = [" ".join(rng.choice(words, size=12)) for _ in range(2000)]
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=out, vocab_size=vocab_size,
        model_type="bpe", character_coverage=1.0, num_threads=1,
        pad_id=0, eos_id=1, bos_id=2, unk_id=3,
        pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>", unk_piece="<unk>",
        minloglevel=2)
    return out.getvalue()


def _quantized(name, rows, cols, rng):
    """int8 weights with a float32 scale and an int32 row sum per output channel."""
    w = rng.integers(-127, 128, size=(rows, cols), dtype=np.int8)
    scale = np.full(rows, 0.5 / 127 / np.sqrt(cols), dtype=np.float32)
    sums = w.astype(np.int32).sum(axis=1, dtype=np.int32)
    return [(name, w, INT8), (name + "_quantized_scale", scale, FLOAT32),
            (name + ".sum_i", sums, INT32)]


def weights(d, seed=0):
    rng = np.random.default_rng(seed)
    out = _quantized("params.lm.softmax.logits_ffn.w", d.vocab, d.width, rng)
    ones = np.ones(d.width, dtype=np.float32)
    for i in range(d.layers):
        p = f"params.lm.transformer.x_layers_{i}"
        out.append((f"{p}.pre_layer_norm.scale", ones, FLOAT32))
        for part in ("q", "k", "v", "post"):
            out += _quantized(f"{p}.self_attention.{part}.w", d.width, d.width, rng)
        out.append((f"{p}.ff_layer.pre_layer_norm.scale", ones, FLOAT32))
        for part in ("ffn_layer1", "ffn_layer1_gate", "ffn_layer2"):
            out += _quantized(f"{p}.ff_layer.{part}.w", d.width, d.width, rng)
    out.append(("params.lm.final_ln.scale", ones, FLOAT32))
    return out


def lora_weights(d, rank, seed=1):
    """LoRA for the attention projections, in the converter's naming (float16)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(d.layers):
        p = f"params.lm.transformer.x_layers_{i}.self_attention"
        for part in ("q", "k", "v", "post"):
            out.append((f"{p}.{part}.w_prime_left",
                        (rng.standard_normal((d.width, rank)) * 0.01).astype(np.float16), FLOAT16))
            out.append((f"{p}.{part}.w_prime_right",
                        (rng.standard_normal((rank, d.width)) * 0.01).astype(np.float16), FLOAT16))
    return out


def tflite_container(tensors, metadata, values=()):
    """Flatbuffer with one operator-less subgraph whose tensors' buffers (and the metadata
    buffers) point at data stored after the header: 64 KiB-aligned header, 256-byte-aligned
    data, file at least MIN_SIZE bytes."""
    blobs = [np.ascontiguousarray(a).tobytes() for _, a, _ in tensors] + [m for _, m in metadata]

    def build(offsets):
        import flatbuffers
        import tflite
        b = flatbuffers.Builder(1 << 16)
        buffer_refs = []
        for off, blob in [(0, b"")] + list(zip(offsets, blobs)):
            tflite.BufferStart(b)
            if blob:
                tflite.BufferAddOffset(b, off)
                tflite.BufferAddSize(b, len(blob))
            buffer_refs.append(tflite.BufferEnd(b))
        tensor_refs = []
        for index, (name, array, ttype) in enumerate(tensors, start=1):
            name_ref = b.CreateString(name)
            tflite.TensorStartShapeVector(b, array.ndim)
            for dim in reversed(array.shape):
                b.PrependInt32(dim)
            shape_ref = b.EndVector()
            tflite.TensorStart(b)
            tflite.TensorAddShape(b, shape_ref)
            tflite.TensorAddType(b, ttype)
            tflite.TensorAddBuffer(b, index)
            tflite.TensorAddName(b, name_ref)
            tensor_refs.append(tflite.TensorEnd(b))
        meta_refs = []
        entries = [(name, len(tensors) + 1 + i) for i, (name, _) in enumerate(metadata)]
        entries += list(values)   # entries whose "buffer" field holds the value itself
        for name, buffer_index in entries:
            name_ref = b.CreateString(name)
            tflite.MetadataStart(b)
            tflite.MetadataAddName(b, name_ref)
            tflite.MetadataAddBuffer(b, buffer_index)
            meta_refs.append(tflite.MetadataEnd(b))

        def vector(start, refs):
            start(b, len(refs))
            for ref in reversed(refs):
                b.PrependUOffsetTRelative(ref)
            return b.EndVector()

        tensors_vec = vector(tflite.SubGraphStartTensorsVector, tensor_refs)
        tflite.SubGraphStartInputsVector(b, 0)
        inputs = b.EndVector()
        tflite.SubGraphStartOutputsVector(b, 0)
        outputs = b.EndVector()
        tflite.SubGraphStartOperatorsVector(b, 0)
        operators = b.EndVector()
        tflite.SubGraphStart(b)
        tflite.SubGraphAddTensors(b, tensors_vec)
        tflite.SubGraphAddInputs(b, inputs)
        tflite.SubGraphAddOutputs(b, outputs)
        tflite.SubGraphAddOperators(b, operators)
        subgraph = tflite.SubGraphEnd(b)
        subgraphs = vector(tflite.ModelStartSubgraphsVector, [subgraph])
        buffers = vector(tflite.ModelStartBuffersVector, buffer_refs)
        metas = vector(tflite.ModelStartMetadataVector, meta_refs)
        tflite.ModelStartOperatorCodesVector(b, 0)
        opcodes = b.EndVector()
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, 3)
        tflite.ModelAddOperatorCodes(b, opcodes)
        tflite.ModelAddSubgraphs(b, subgraphs)
        tflite.ModelAddBuffers(b, buffers)
        tflite.ModelAddMetadata(b, metas)
        b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
        return bytes(b.Output())

    # The header size depends on the offsets only through their encoding (fixed-width
    # uint64 fields), so lay out once with zeros, then again with the real offsets.
    header_len = len(build([0] * len(blobs)))
    start = -(-header_len // HEADER_ALIGN) * HEADER_ALIGN
    offsets, cursor = [], start
    for blob in blobs:
        offsets.append(cursor)
        cursor = -(-(cursor + len(blob)) // TENSOR_ALIGN) * TENSOR_ALIGN
    header = build(offsets)
    assert len(header) <= start, "header grew while laying out"
    out = bytearray(header.ljust(start, b"\0"))
    for off, blob in zip(offsets, blobs):
        out[len(out):] = b"\0" * (off - len(out))
        out += blob
    if len(out) < MIN_SIZE:
        out += b"\0" * (MIN_SIZE - len(out))
    return bytes(out)


def build_model(dims=Dims(), seed=0):
    metadata = [
        ("odml.infra.proto.LlmParameters", llm_parameters(dims)),
        ("spm_vocab_model", sentencepiece_model(dims.vocab)),
        ("backend", b"gpu"),
    ]
    return tflite_container(weights(dims, seed), metadata,
                            [("odml.infra.LlmModelType", LLM_MODEL_TYPE_GEMMA_2B)])


def build_lora(dims=Dims(), rank=4, seed=1):
    metadata = [("odml.infra.proto.LlmParameters", llm_parameters(dims)), ("backend", b"gpu")]
    return tflite_container(lora_weights(dims, rank, seed), metadata,
                            [("odml.infra.LlmModelType", LLM_MODEL_TYPE_GEMMA_2B),
                             ("lora_rank", rank)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lora", type=Path, help="also write a rank-4 LoRA here")
    args = parser.parse_args(argv)
    args.out.write_bytes(build_model())
    if args.lora:
        args.lora.write_bytes(build_lora())


if __name__ == "__main__":
    main()
