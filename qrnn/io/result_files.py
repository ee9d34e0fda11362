"""Reading the files that runs and evaluations leave behind, with one-line errors.

Every problem is a QrnnError naming the file and what is wrong with it: missing, not
UTF-8, not valid JSON, not a JSON object, without a key its readers rely on or with a
value of the wrong type, a history that is not a table of numbers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Mapping

from qrnn.errors import QrnnError

# The keys (and their JSON types) that every reader of a result file relies on, by the
# file's name. Files of other names are only required to hold a JSON object.
REQUIRED_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "evaluation.json": {
        "task": str,
        "model": str,
        "variant": str,
        "seed": int,
        "metrics": dict,
        "units": dict,
        "trainable_parameters": dict,
    },
}
JSON_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", int: "an integer", float: "a number", bool: "true or false", type(None): "null"}
HISTORY_COLUMNS = ("step", "train_loss")


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise QrnnError(f"missing result file {path}")
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as error:
        raise QrnnError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise QrnnError(f"{path} is not UTF-8 text (byte {error.start})") from None


def _json_type(value: Any) -> str:
    return JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def check_keys(path: Path, data: Mapping[str, Any], required: Mapping[str, type | tuple[type, ...]]) -> None:
    """QrnnError naming ``path`` and the first key of ``required`` that ``data`` lacks or holds with another type."""
    for key, expected in required.items():
        if key not in data:
            raise QrnnError(f"{path} has no key {key!r}: not a result file of this version of qrnn")
        value = data[key]
        allowed = expected if isinstance(expected, tuple) else (expected,)
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise QrnnError(f"{path}: {key!r} holds {_json_type(value)}, expected {' or '.join(JSON_TYPE_NAMES[kind] for kind in allowed)}")


def read_result_json(path: str | Path, required: Mapping[str, type | tuple[type, ...]] | None = None) -> dict[str, Any]:
    """The JSON object in ``path``, holding the ``required`` keys with their types (by default
    those REQUIRED_KEYS gives for the file's name); QrnnError naming the file otherwise."""
    path = Path(path)
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise QrnnError(f"{path} is not valid JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(data, dict):
        raise QrnnError(f"{path} holds {_json_type(data)}, not a JSON object: not a result file")
    check_keys(path, data, REQUIRED_KEYS.get(path.name, {}) if required is None else required)
    return data


def read_history(path: str | Path) -> list[dict[str, str]]:
    """The rows of a run's history.csv: at least one, with a step and a training loss, every
    value a number. QrnnError naming the file and the line otherwise."""
    path = Path(path)
    lines = _read_text(path).splitlines()
    reader = csv.DictReader(lines)
    columns = reader.fieldnames or []
    missing = [column for column in HISTORY_COLUMNS if column not in columns]
    if missing:
        raise QrnnError(f"{path} is not a training history: no column {missing[0]!r} (its first line: {lines[0][:80]!r})" if lines else f"{path} is empty: not a training history")
    rows = list(reader)
    if not rows:
        raise QrnnError(f"{path} has a header but no rows: the run wrote no evaluation")
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            more_or_fewer = "more" if None in row else "fewer"
            raise QrnnError(f"{path} line {number} has {more_or_fewer} fields than its header ({len(columns)})")
        for column, value in row.items():
            _check_number(path, number, column, value)
    return rows


def _check_number(path: Path, line: int, column: str, value: str) -> None:
    """A float (NaN and infinities included: a diverged metric is a result), the step a count."""
    try:
        if column == "step" and int(value) < 0:
            raise ValueError
        float(value)
    except ValueError:
        kind = "a step number" if column == "step" else "a number"
        raise QrnnError(f"{path} line {line}: {column} is {value!r}, not {kind}") from None
