"""The converter's virtual environment: created under the git-ignored .cache/ on first use,
with the pins of tools/pins.py (CONVERT_REQUIREMENTS), and brought up to date when they change.

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


def ensure(path=VENV, requirements=pins.CONVERT_REQUIREMENTS, log=print):
    """-> the environment's python, installing what is missing first."""
    if is_current(path, requirements):
        return python_of(path)
    if os.environ.get("BUILD_OFFLINE") == "1":
        raise VenvError("the converter's environment needs installing from PyPI, "
                        "but BUILD_OFFLINE=1")
    path.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path.parent).free
    if not python_of(path).exists() and free < NEEDS_BYTES:
        raise VenvError(f"not enough disk for the converter's environment: it needs about "
                        f"{NEEDS_BYTES / 2**30:.0f} GiB in {path.parent}, "
                        f"{free / 2**30:.1f} GiB are free")
    if not python_of(path).exists():
        log(f"creating the converter's environment in {path.relative_to(ROOT)} "
            "(first use: several GB from PyPI, minutes)")
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    (path / STAMP_NAME).unlink(missing_ok=True)
    log("installing the converter's pinned packages (tools/pins.py CONVERT_REQUIREMENTS)")
    result = subprocess.run([str(python_of(path)), "-m", "pip", "install", "-q",
                             "--disable-pip-version-check", "--progress-bar", "off", *requirements])
    if result.returncode:
        raise VenvError(f"pip could not install the converter's packages (exit "
                        f"{result.returncode}); run the command again to retry")
    (path / STAMP_NAME).write_text(fingerprint(requirements) + "\n")
    return python_of(path)


if __name__ == "__main__":
    print(ensure(log=lambda m: print(m, file=sys.stderr)))
