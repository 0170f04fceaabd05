"""The web-llm converter's virtual environment: created under the git-ignored .cache/ on
first use with the hash-pinned packages of tools/convert/webllm_pins.py, and brought up to
date when they change. Separate from the MediaPipe converter's (torch, jax): this one holds
TVM only (about 0.5 GB).

A stamp holding the hash of the pins is written only after pip succeeded, so an install that
was interrupted or failed is finished on the next run instead of being trusted.
"""
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

from tools.convert import webllm_pins

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "webllm-venv"
STAMP_NAME = ".pins-sha256"


class VenvError(RuntimeError):
    pass


def python_of(path=VENV):
    return path / "bin" / "python"


def fingerprint(requirements=webllm_pins.VENV_REQUIREMENTS):
    return hashlib.sha256("\n".join(requirements).encode()).hexdigest()


def is_current(path=VENV, requirements=webllm_pins.VENV_REQUIREMENTS):
    stamp = path / STAMP_NAME
    return python_of(path).exists() and stamp.exists() \
        and stamp.read_text().strip() == fingerprint(requirements)


def ensure(path=VENV, requirements=webllm_pins.VENV_REQUIREMENTS, log=print):
    """-> the environment's python, installing what is missing first."""
    if is_current(path, requirements):
        return python_of(path)
    if os.environ.get("BUILD_OFFLINE") == "1":
        raise VenvError("the web-llm converter's environment needs installing from PyPI, "
                        "but BUILD_OFFLINE=1")
    if not python_of(path).exists():
        log(f"creating the web-llm converter's environment in {path} (first use: TVM from PyPI)")
        path.parent.mkdir(parents=True, exist_ok=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    (path / STAMP_NAME).unlink(missing_ok=True)
    req = path / "requirements.txt"
    req.write_text("\n".join(requirements) + "\n")
    result = subprocess.run([str(python_of(path)), "-m", "pip", "install", "-q",
                             "--disable-pip-version-check", "--progress-bar", "off",
                             "--require-hashes", "--no-deps", "-r", str(req)])
    if result.returncode:
        raise VenvError(f"pip could not install the web-llm converter's packages (exit "
                        f"{result.returncode}); run the command again to retry")
    (path / STAMP_NAME).write_text(fingerprint(requirements) + "\n")
    return python_of(path)


if __name__ == "__main__":
    print(ensure(log=lambda m: print(m, file=sys.stderr)))
