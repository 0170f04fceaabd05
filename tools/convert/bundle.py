"""MediaPipe's `.task` bundle: a zip of stored (uncompressed) entries, the TFLite model, the
SentencePiece tokenizer and an `odml.infra.proto.LlmParameters` message (stop tokens), each
entry's data aligned to 8 bytes by zero padding before its local header. Pure Python.

@mediapipe/tasks-genai 0.10.29 picks a model's format by sniffing its first bytes, and takes a
file for a bundle only when bytes 4-5 are "PK": it expects the padding MediaPipe's own bundler
writes in front of the first entry (4 bytes for a TF_LITE_PREFILL_DECODE entry at 8-byte
alignment). A plain zip ("PK" at byte 0) is refused with "No model format matched". So the zip
is written here, not by `zipfile` (which cannot pad), with fixed timestamps: the same model
and tokenizer always give the same bytes.
"""
import os
import struct
import zlib

from tools.protowire import message

MODEL_ENTRY = "TF_LITE_PREFILL_DECODE"
TOKENIZER_ENTRY = "TOKENIZER_MODEL"
METADATA_ENTRY = "METADATA"
ALIGN = 8
SNIFF_OFFSET = 4            # where tasks-genai looks for "PK"
_LOCAL = struct.Struct("<IHHHHHIIIHH")            # local file header, 30 bytes
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")    # central directory header, 46 bytes
_END = struct.Struct("<IHHHHIIH")                 # end of central directory, 22 bytes
_DOS_DATE = (1 << 5) | 1                          # 1980-01-01, 00:00:00
_LIMIT = 0xFFFFFFFF


class BundleError(ValueError):
    pass


def llm_parameters(stop_tokens, start_token=None):
    """LlmParameters (llm_params.proto): start_token = 6, stop_tokens = 5. No prompt
    templates: the engine writes the whole chat prompt itself."""
    return message((6, start_token), (5, list(stop_tokens)))


def _copy(src, out, crc=0):
    size = 0
    while block := src.read(1 << 20):
        out.write(block)
        crc = zlib.crc32(block, crc)
        size += len(block)
    return crc, size


def write_task(out_path, tflite_path, tokenizer_model, stop_tokens, start_token=None):
    """Write the bundle to `out_path` (the caller renames it into place when it is whole)."""
    if os.path.getsize(tflite_path) >= _LIMIT:
        raise BundleError("the TFLite model is 4 GiB or more: zip64 bundles are not written")
    entries = [(MODEL_ENTRY, tflite_path), (TOKENIZER_ENTRY, bytes(tokenizer_model)),
               (METADATA_ENTRY, llm_parameters(stop_tokens, start_token))]
    central = []
    with open(out_path, "wb") as out:
        for name, data in entries:
            raw_name = name.encode()
            pad = -(out.tell() + _LOCAL.size + len(raw_name)) % ALIGN
            out.write(b"\0" * pad)
            offset = out.tell()
            out.write(_LOCAL.pack(0x04034B50, 20, 0, 0, 0, _DOS_DATE, 0, 0, 0, len(raw_name), 0))
            out.write(raw_name)
            if isinstance(data, bytes):
                out.write(data)
                crc, size = zlib.crc32(data), len(data)
            else:
                with open(data, "rb") as src:
                    crc, size = _copy(src, out)
            end = out.tell()
            out.seek(offset + 14)                 # crc and sizes, now known
            out.write(struct.pack("<III", crc, size, size))
            out.seek(end)
            central.append((raw_name, crc, size, offset))
        start = out.tell()
        for raw_name, crc, size, offset in central:
            out.write(_CENTRAL.pack(0x02014B50, 20, 20, 0, 0, 0, _DOS_DATE, crc, size, size,
                                    len(raw_name), 0, 0, 0, 0, 0, offset))
            out.write(raw_name)
        cd_size = out.tell() - start
        out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), cd_size, start, 0))
    with open(out_path, "rb") as f:
        if f.read(SNIFF_OFFSET + 2)[SNIFF_OFFSET:] != b"PK":
            raise BundleError("the bundle does not start the way tasks-genai sniffs for")


def read_entries(path):
    """{entry name: size} of a bundle (for checks)."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        return {info.filename: info.file_size for info in z.infolist()}
