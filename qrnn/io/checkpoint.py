"""Reading a run's checkpoint.pt safely.

A checkpoint is read with ``torch.load(weights_only=True)``: tensors, plain containers and
numbers only. A full unpickler would run whatever a crafted file asks for (a planted
checkpoint.pt ran a shell command when a run resumed), so nothing here ever uses one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from qrnn.errors import QrnnError

CHECKPOINT_FORMAT = 2  # 2: the stopping rule's state and the best weights (issue 22); a format-1 run starts over
REQUIRED_KEYS = ("format", "config", "model", "step")


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint at ``path`` as a dict holding at least REQUIRED_KEYS, or QrnnError
    naming the file (unreadable, not a checkpoint, or holding anything but plain data)."""
    path = Path(path)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as error:
        raise QrnnError(f"cannot read checkpoint {path}: {error.strerror}") from None
    except Exception as error:  # torch raises several types for damaged or unsafe files
        reason = "it holds objects other than tensors and plain data" if "weights_only" in str(error) else error.__class__.__name__
        raise QrnnError(f"cannot read checkpoint {path} ({reason}); delete it to start the run over") from None
    if not isinstance(checkpoint, dict):
        raise QrnnError(f"{path} is not a qrnn checkpoint (it holds a {type(checkpoint).__name__}, not a mapping); delete it to start the run over")
    missing = [key for key in REQUIRED_KEYS if key not in checkpoint]
    if missing:
        raise QrnnError(f"{path} is not a qrnn checkpoint (no {', '.join(missing)}); delete it to start the run over")
    return checkpoint
