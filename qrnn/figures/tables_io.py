"""Reading the CSVs figures are drawn from, with errors that name the file and column."""

from __future__ import annotations

import csv
from pathlib import Path

from qrnn.errors import QrnnError


def read_rows(path: str | Path, required: set[str], made_by: str) -> list[dict[str, str]]:
    """The rows of a CSV that must exist, hold the ``required`` columns and at least one row;
    ``made_by`` is the command that writes it, named in the error when it is missing."""
    path = Path(path)
    if not path.is_file():
        raise QrnnError(f"missing file {path}; write it with `{made_by}`")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise QrnnError(f"{path} lacks the column(s) {', '.join(sorted(missing))} (it has: {', '.join(reader.fieldnames or [])})")
        rows = list(reader)
    if not rows:
        raise QrnnError(f"{path} has no rows (it is written by `{made_by}`)")
    return rows


def number(text: str) -> float:
    """A CSV cell as a float: empty and None cells (no value) are NaN; float() reads nan/NaN/inf."""
    return float("nan") if text in ("", "None") else float(text)
