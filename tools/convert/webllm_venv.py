"""The web-llm converter's virtual environment: tools/convert/venv.py's helper with the
hash-pinned packages of tools/convert/webllm_pins.py, in .cache/webllm-venv. Separate from
the MediaPipe converter's (torch, jax): this one holds TVM only (about 0.5 GB)."""
import sys

from tools.convert import venv, webllm_pins
from tools.convert.venv import STAMP_NAME, VenvError, python_of  # noqa: F401 - this module's API

VENV = venv.ROOT / ".cache" / "webllm-venv"
REQUIREMENTS = webllm_pins.VENV_REQUIREMENTS


def fingerprint(requirements=REQUIREMENTS):
    return venv.fingerprint(requirements)


def is_current(path=VENV, requirements=REQUIREMENTS):
    return venv.is_current(path, requirements)


def ensure(path=VENV, requirements=REQUIREMENTS, log=print):
    return venv.ensure(path, requirements, log, what="the web-llm converter's environment",
                       first_use="TVM from PyPI", needs_bytes=1 << 30, hashed=True)


if __name__ == "__main__":
    print(ensure(log=lambda m: print(m, file=sys.stderr)))
