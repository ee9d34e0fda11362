"""Atomic file writes: write to a temporary file in the same folder, then rename.

A reader (or a run restarted after SIGKILL) therefore sees either the old file or the
new one, never a half-written one. The temporary file of ``results/x.json`` is named
``results/.x.json.<pid>.<random>.tmp``; one a killed write left behind is removed by
the next write of the same file (a result file has one writer at a time: Snakemake runs
one job per output). A written file gets the mode a plain ``open`` would give it (0o666
less the umask), not mkstemp's owner-only 0o600, so colleagues sharing a project folder
can read the results.

A write that fails (a folder that is a file, no permission, a full disk, a file-size
limit) raises QrnnError naming the file, and leaves neither the temporary file nor the
folders it created.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from qrnn.errors import QrnnError

TEMPORARY_SUFFIX = ".tmp"


@lru_cache(maxsize=1)
def process_umask() -> int:
    """The umask, read once per process. Linux shows it in /proc/self/status; elsewhere it is
    read by setting and restoring it, once, so that a file another thread creates in that
    instant could get 0o022 instead (the umask cannot be read without changing it there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temporary_name_pattern(path: Path) -> re.Pattern[str]:
    """Temporary files of ``path`` as mkstemp names them with our prefix: .NAME.PID.RANDOM.tmp."""
    return re.compile(re.escape(f".{path.name}.") + r"(\d+)\.[A-Za-z0-9_]+" + re.escape(TEMPORARY_SUFFIX))


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    return True


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Delete the temporary files of ``path`` whose writer is no longer running; returns them."""
    path = Path(path)
    pattern = _temporary_name_pattern(path)
    removed = []
    for candidate in path.parent.glob(f".*{TEMPORARY_SUFFIX}"):
        match = pattern.fullmatch(candidate.name)
        if match and int(match.group(1)) != os.getpid() and not _is_running(int(match.group(1))):
            try:
                candidate.unlink()
            except OSError:  # gone already, or another user's in a shared folder: no harm to this write
                continue
            removed.append(candidate)
    return removed


def make_folders(folder: str | Path) -> list[Path]:
    """Create ``folder`` and its missing parents; returns those created, outermost first.
    A part of the path that is a file is named in the error (mkdir would say only "File exists")."""
    folder = Path(folder)
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, f"{candidate} is a file, not a folder", str(folder))
            break
        missing.append(candidate)
    folder.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def write_atomically(path: str | Path, write: Callable[[io.BufferedWriter], None]) -> None:
    """Call ``write(handle)`` on a temporary file next to ``path`` and rename it to ``path``."""
    write_all_or_nothing({path: write})


def write_all_or_nothing(writers: dict[str | Path, Callable[[io.BufferedWriter], None]]) -> None:
    """Write every file to a temporary next to it, then rename them all: a failure while
    writing any of them (disk full, permission) leaves none of them changed."""
    created: list[Path] = []
    temporaries: dict[Path, str] = {}
    current = None
    try:
        for current, write in writers.items():
            current = Path(current)
            created += make_folders(current.parent)
            remove_stale_temporaries(current)
            descriptor, temporaries[current] = tempfile.mkstemp(dir=current.parent, prefix=f".{current.name}.{os.getpid()}.", suffix=TEMPORARY_SUFFIX)
            with os.fdopen(descriptor, "wb") as handle:
                os.fchmod(handle.fileno(), 0o666 & ~process_umask())
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
        for current, temporary in temporaries.items():
            os.replace(temporary, current)
    except BaseException as error:
        for temporary in temporaries.values():
            Path(temporary).unlink(missing_ok=True)
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:  # something else was written into it meanwhile: keep it
                break
        if isinstance(error, OSError):
            raise QrnnError(f"cannot write {current}: {error.strerror or error}") from error
        raise


def write_texts(texts: dict[str | Path, str]) -> None:
    """Several text files, all or none (write_all_or_nothing)."""
    write_all_or_nothing({path: (lambda handle, data=text.encode(): handle.write(data)) for path, text in texts.items()})


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def csv_text(rows: list[dict[str, Any]], fieldnames: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_bytes(path: str | Path, data: bytes) -> None:
    write_atomically(path, lambda handle: handle.write(data))


def write_text(path: str | Path, text: str) -> None:
    write_bytes(path, text.encode())


def write_json(path: str | Path, data: Any) -> None:
    write_text(path, json_text(data))


def write_csv(path: str | Path, rows: list[dict[str, Any]], fieldnames: list[str]) -> None:
    write_text(path, csv_text(rows, fieldnames))
