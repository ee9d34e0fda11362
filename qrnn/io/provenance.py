"""What produced a result: library versions and the git revision of this code."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from qrnn.errors import QrnnError
from qrnn.io.result_files import check_keys, read_result_json
from qrnn.quantum.native import build

DISTRIBUTIONS = ("torch", "numpy", "qiskit", "torchquantum-ng", "qrnn")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    # Which code computed the engine's CPU states: the C kernels (and how they were built)
    # or the PyTorch path; the two agree to rounding, not bit for bit.
    versions["engine_kernels"] = build.description()
    return versions


def engine_path(record: dict[str, Any]) -> str | None:
    """Which engine path computed the states behind a result file (metrics.json, evaluation.json,
    a noise sweep's JSON): build.KERNELS_PATH or build.PYTORCH_PATH, read from its
    versions.engine_kernels (whatever the compiler and flags) and its device (off the CPU the
    engine always runs its PyTorch path; a file without a device was computed on the CPU).
    None for a file that does not record it."""
    description = record.get("versions", {}).get("engine_kernels")
    if not isinstance(description, str):
        return None
    if not str(record.get("device", "cpu")).startswith("cpu"):
        return build.PYTORCH_PATH
    return next((path for path in (build.KERNELS_PATH, build.PYTORCH_PATH) if description.startswith(path)), description)


def run_engine_path(*records: dict[str, Any]) -> str | None:
    """The engine path of one run from its result files, in the order they were written
    (training, then evaluation): one path, or "C kernels then PyTorch" when they differ."""
    paths = [path for path in map(engine_path, records) if path is not None]
    return " then ".join(dict.fromkeys(paths)) or None


def git_revision() -> str:
    """HEAD of the repository holding this package, with '-dirty' for uncommitted changes; 'unknown' outside git."""
    source = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=source, capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=source, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if status.strip() else "")


def config_hash(config: dict[str, Any]) -> str:
    """A short stable hash of a resolved config, to tell runs apart at a glance."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


# --- provenance of table cells ---------------------------------------------------------

PROVENANCE_FORMAT = 1
PROVENANCE_KEYS = {"table": str, "rows": dict, "groups": dict}
CELL_KEYS = {"value": (str, int, float, bool, type(None)), "groups": list}


def run_record(result) -> dict[str, Any]:
    """What identifies one finished run behind a number (a qrnn.tables.aggregate.RunResult)."""
    evaluation, metrics = result.evaluation, result.metrics
    return {
        "folder": str(result.folder),
        "seed": evaluation.get("seed"),
        "config_hash": evaluation.get("config_hash", "unknown"),
        "data_sha256": evaluation.get("data_sha256", "unknown"),
        "git_revision": metrics.get("git_revision", "unknown"),
        "metrics": evaluation.get("metrics", {}),
    }


def cell_provenance(name: str, rows: list[dict[str, Any]], labels: list[str], cell_groups: list[dict[str, list[str]]], groups: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """{"table", "rows": {label: {column: {"value", "groups"}}}, "groups": {group: [run records]}}.

    A cell names groups of runs (a model's seeds; a comparison names both groups) rather
    than copying their records, so the file stays small at a hundred seeds."""
    cells = {
        label: {column: {"value": _json_value(value), "groups": cell_groups[index].get(column, [])} for column, value in row.items()}
        for index, (label, row) in enumerate(zip(labels, rows))
    }
    return {"format": PROVENANCE_FORMAT, "table": name, "rows": cells, "groups": groups}


def _json_value(value: Any) -> Any:
    return None if isinstance(value, float) and value != value else value


def provenance_path(table: str | Path, tables_dir: str | Path = "results/tables") -> Path:
    """The provenance file of ``table``: a name (copying_main), or a table file (.csv, .md, .tex)."""
    table = Path(table)
    if table.name.endswith(".provenance.json"):
        return table
    if table.suffix in (".csv", ".md", ".tex"):
        return table.with_name(table.stem + ".provenance.json")
    return Path(tables_dir) / f"{table.name}.provenance.json"


def audit_number(table: str | Path, row: str, column: str, tables_dir: str | Path = "results/tables") -> dict[str, Any]:
    """The record behind one cell: its value and every run (folder, seed, config hash, git
    revision, data hash, that run's metrics). QrnnError names what is unknown."""
    path = provenance_path(table, tables_dir)
    if not path.is_file():
        known = sorted(p.name.removesuffix(".provenance.json") for p in Path(tables_dir).glob("*.provenance.json"))
        raise QrnnError(f"no provenance file {path} for table {str(table)!r} (tables with provenance in {tables_dir}: {', '.join(known) or 'none'})")
    provenance = read_result_json(path, PROVENANCE_KEYS)
    rows = provenance["rows"]
    if row not in rows:
        raise QrnnError(f"table {provenance['table']} has no row {row!r} (rows: {', '.join(rows)})")
    check_keys(path, rows, {row: dict})
    if column not in rows[row]:
        raise QrnnError(f"table {provenance['table']} has no column {column!r} (columns: {', '.join(rows[row])})")
    cell = rows[row][column]
    check_keys(path, rows[row], {column: dict})
    check_keys(path, cell, CELL_KEYS)
    check_keys(path, provenance["groups"], {group: list for group in cell["groups"]})
    return {
        "table": provenance["table"],
        "row": row,
        "column": column,
        "value": cell["value"],
        "runs": {group: provenance["groups"][group] for group in cell["groups"]},
    }


def format_audit(record: dict[str, Any]) -> str:
    """The audit record as text: the number, then one line per run behind it."""
    lines = [f"{record['table']} / {record['row']} / {record['column']} = {record['value']}"]
    for group, runs in record["runs"].items():
        revisions = sorted({run["git_revision"] for run in runs})
        lines.append(f"  from {len(runs)} run(s) of {group} (git revision {', '.join(revisions)}):")
        for run in runs:
            metrics = ", ".join(f"{name}={value:.6g}" for name, value in sorted(run["metrics"].items()))
            lines.append(f"    {run['folder']}  seed {run['seed']}  config {run['config_hash']}  data {run['data_sha256'][:16]}  {metrics}")
            if "noise_file" in run:
                lines.append(f"      noise sweep {run['noise_file']}")
    if not record["runs"]:
        lines.append("  (a label, not computed from runs)")
    return "\n".join(lines)
