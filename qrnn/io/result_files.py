"""Reading the JSON files that runs and evaluations leave behind, with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qrnn.errors import QrnnError


def read_result_json(path: str | Path) -> dict[str, Any]:
    """The parsed file; QrnnError naming it when it is missing or not valid JSON."""
    path = Path(path)
    if not path.is_file():
        raise QrnnError(f"missing result file {path}")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise QrnnError(f"{path} is not valid JSON ({error.msg})") from None
