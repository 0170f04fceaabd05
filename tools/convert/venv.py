"""The converters' virtual environments: created under the git-ignored .cache/ on first use
with pinned packages, and brought up to date when the pins change. This module's defaults are
the MediaPipe converter's (tools/pins.py CONVERT_REQUIREMENTS); webllm_venv.py configures the
same helper for web-llm's hash-pinned TVM.

A stamp holding the hash of the pins is written only after pip succeeded, so an install
that was interrupted or failed is finished on the next run instead of being trusted.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from tools import pins

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "convert-venv"
STAMP_NAME = ".pins-sha256"
NEEDS_BYTES = 4 << 30           # what the installed environment takes, about (torch, jax)


class VenvError(RuntimeError):
    pass


def python_of(path=VENV):
    return path / "bin" / "python"


def fingerprint(requirements=pins.CONVERT_REQUIREMENTS):
    return hashlib.sha256("\n".join(requirements).encode()).hexdigest()


def is_current(path=VENV, requirements=pins.CONVERT_REQUIREMENTS):
    stamp = path / STAMP_NAME
    return python_of(path).exists() and stamp.exists() \
        and stamp.read_text().strip() == fingerprint(requirements)


def ensure(path=VENV, requirements=pins.CONVERT_REQUIREMENTS, log=print, *,
           what="the converter's environment", first_use="several GB from PyPI, minutes",
           needs_bytes=NEEDS_BYTES, hashed=False):
    """-> the environment's python, installing what is missing first. `hashed`: the
    requirements carry --hash pins and are installed as they are, without dependencies."""
    if is_current(path, requirements):
        return python_of(path)
    if os.environ.get("BUILD_OFFLINE") == "1":
        raise VenvError(f"{what} needs installing from PyPI, but BUILD_OFFLINE=1")
    path.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path.parent).free
    if not python_of(path).exists() and free < needs_bytes:
        raise VenvError(f"not enough disk for {what}: it needs about "
                        f"{needs_bytes / 2**30:.1f} GiB in {path.parent}, "
                        f"{free / 2**30:.1f} GiB are free")
    if not python_of(path).exists():
        log(f"creating {what} in {path} (first use: {first_use})")
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    (path / STAMP_NAME).unlink(missing_ok=True)
    log(f"installing the pinned packages of {what}")
    pip = [str(python_of(path)), "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--progress-bar", "off"]
    if hashed:
        req = path / "requirements.txt"
        req.write_text("\n".join(requirements) + "\n")
        pip += ["--require-hashes", "--no-deps", "-r", str(req)]
    else:
        pip += list(requirements)
    result = subprocess.run(pip)
    if result.returncode:
        raise VenvError(f"pip could not install the packages of {what} (exit "
                        f"{result.returncode}); run the command again to retry")
    (path / STAMP_NAME).write_text(fingerprint(requirements) + "\n")
    return python_of(path)


if __name__ == "__main__":
    print(ensure(log=lambda m: print(m, file=sys.stderr)))
