"""Killing a `qrnn` command in the middle of a training run, for the resume tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def sigkill_after_evaluations(arguments: list[str], folder: Path, evaluations: int, timeout: float = 120) -> None:
    """Start ``qrnn *arguments`` and SIGKILL it once ``folder/history.csv`` holds ``evaluations`` rows."""
    process = subprocess.Popen([sys.executable, "-m", "qrnn", *arguments], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    history = folder / "history.csv"
    while time.monotonic() < deadline:
        if history.exists() and len(history.read_text().splitlines()) > evaluations:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
