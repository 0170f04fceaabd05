"""MediaPipe's `.task` bundle: a zip (stored, not compressed) of the TFLite model, the
SentencePiece tokenizer and an `odml.infra.proto.LlmParameters` message (start and stop
tokens). @mediapipe/tasks-genai recognises it by the zip signature and reads the three
entries by name. Pure Python.
"""
import os
import shutil
import zipfile

from tools.protowire import message

MODEL_ENTRY = "TF_LITE_PREFILL_DECODE"
TOKENIZER_ENTRY = "TOKENIZER_MODEL"
METADATA_ENTRY = "METADATA"


def llm_parameters(stop_tokens, start_token=None):
    """LlmParameters (llm_params.proto): start_token = 6, stop_tokens = 5. No prompt
    templates: the engine writes the whole chat prompt itself."""
    return message((6, start_token), (5, list(stop_tokens)))


def write_task(out_path, tflite_path, tokenizer_model, stop_tokens, start_token=None):
    """Write the bundle to `out_path` (the caller renames it into place when it is whole)."""
    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        big = os.path.getsize(tflite_path) >= zipfile.ZIP64_LIMIT   # zip64 only when needed
        with open(tflite_path, "rb") as src, z.open(MODEL_ENTRY, "w", force_zip64=big) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        z.writestr(TOKENIZER_ENTRY, tokenizer_model)
        z.writestr(METADATA_ENTRY, llm_parameters(stop_tokens, start_token))


def read_entries(path):
    """{entry name: size} of a bundle (for checks)."""
    with zipfile.ZipFile(path) as z:
        return {info.filename: info.file_size for info in z.infolist()}
