"""Atomic writes: a write killed mid-way leaves a temporary file that the next write of the
same file removes; written files get the user's umask; a failed write names the file and
leaves nothing behind."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from qrnn.errors import QrnnError
from qrnn.io import atomic

REPOSITORY = Path(__file__).resolve().parents[2]


def run_python(code: str, **options) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, **options)


def temporaries(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def test_a_temporary_file_left_by_a_killed_write_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "history.csv"
    # A real kill: the writing process is sent SIGKILL half way through its write.
    killed = run_python(
        "import os, signal, sys\nfrom qrnn.io import atomic\n"
        "def write(handle):\n    handle.write(b'step,loss\\n1,')\n    handle.flush()\n    os.kill(os.getpid(), signal.SIGKILL)\n"
        f"atomic.write_atomically({str(target)!r}, write)\n"
    )
    assert killed.returncode == -signal.SIGKILL
    (leftover,) = temporaries(tmp_path)
    assert leftover.name.startswith(".history.csv.") and leftover.read_bytes() == b"step,loss\n1,"
    assert not target.exists()

    atomic.write_text(target, "step,loss\n1,0.5\n")
    assert temporaries(tmp_path) == [] and target.read_text() == "step,loss\n1,0.5\n"


def test_temporary_files_of_a_running_writer_or_of_another_file_are_kept(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = tmp_path / f".x.json.{writer.pid}.abc123.tmp"
        other_file = tmp_path / ".x.json.1.json.999999999.abc123.tmp"  # of x.json.1.json, not of x.json
        not_ours = tmp_path / ".x.json.tmp"
        for path in (running, other_file, not_ours):
            path.write_text("partial")
        atomic.write_json(tmp_path / "x.json", {"a": 1})
        assert temporaries(tmp_path) == sorted([running, other_file, not_ours])
    finally:
        writer.kill()
        writer.wait()
    atomic.write_json(tmp_path / "x.json", {"a": 2})
    assert temporaries(tmp_path) == sorted([other_file, not_ours])  # its writer is gone now


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_written_file_gets_the_mode_of_the_users_umask(tmp_path, umask, mode):
    """mkstemp makes 0o600 files; a result file must be readable as the user's umask allows."""
    target = tmp_path / "metrics.json"
    result = run_python(f"from qrnn.io import atomic; atomic.write_json({str(target)!r}, {{}}); print(oct(atomic.process_umask()))", umask=umask)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [oct(umask)]
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_the_umask_is_read_without_changing_it():
    before = os.umask(0o027)
    try:
        atomic.process_umask.cache_clear()
        assert atomic.process_umask() == 0o027
        assert os.umask(0o027) == 0o027
    finally:
        os.umask(before)
        atomic.process_umask.cache_clear()


def test_a_write_under_a_regular_file_names_it_and_creates_nothing(tmp_path):
    (tmp_path / "results").write_text("not a folder")
    with pytest.raises(QrnnError, match=rf"^cannot write {tmp_path / 'results' / 'tables' / 'x.json'}: {tmp_path / 'results'} is a file, not a folder$"):
        atomic.write_json(tmp_path / "results" / "tables" / "x.json", {})
    assert sorted(tmp_path.iterdir()) == [tmp_path / "results"]


def test_a_write_beyond_the_file_size_limit_names_the_file_and_leaves_nothing(tmp_path):
    """EFBIG, as with `ulimit -f`: Python ignores SIGXFSZ, so the write fails with an OSError."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, hard))
    try:
        with pytest.raises(QrnnError, match=rf"^cannot write {tmp_path / 'new' / 'folders' / 'big.txt'}: File too large$"):
            atomic.write_text(tmp_path / "new" / "folders" / "big.txt", "x" * 1000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert list(tmp_path.iterdir()) == []  # the folders it made are gone with the temporary file


def test_a_failing_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "table.csv"
    atomic.write_text(target, "old\n")

    def fails_half_way(handle):
        handle.write(b"new, half")
        raise ValueError("the caller's own error")

    with pytest.raises(ValueError, match="the caller's own error"):
        atomic.write_atomically(target, fails_half_way)
    assert target.read_text() == "old\n" and temporaries(tmp_path) == []


def test_several_files_are_written_all_or_none(tmp_path):
    """A failure while writing the second file leaves the first as it was and no temporaries."""
    first, second = tmp_path / "a.csv", tmp_path / "out" / "b.md"
    first.write_text("old")

    def broken(handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(QrnnError, match=r"cannot write .*b.md: No space left on device"):
        atomic.write_all_or_nothing({first: lambda handle: handle.write(b"new"), second: broken})
    assert first.read_text() == "old" and not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]
    atomic.write_texts({first: "new", second: "table"})
    assert first.read_text() == "new" and second.read_text() == "table"
