"""scripts/clear-stale-lock: a lock a killed Snakemake left is cleared, a live Snakemake's is respected.

The live Snakemake is a stand-in: a Python script named `snakemake` that sleeps, so its
command line looks like the real one's (`python .../bin/snakemake ...`)."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
SCRIPT = REPOSITORY / "scripts" / "clear-stale-lock"
_loader = importlib.machinery.SourceFileLoader("clear_stale_lock", str(SCRIPT))
clear_stale_lock = importlib.util.module_from_spec(importlib.util.spec_from_loader(_loader.name, _loader))
_loader.exec_module(clear_stale_lock)


def project_with_lock(folder: Path) -> Path:
    """A project folder (the repository's config/) whose .snakemake/locks/ holds a lock as Snakemake writes them."""
    shutil.copytree(REPOSITORY / "config", folder / "config")
    (folder / ".snakemake" / "locks").mkdir(parents=True)
    (folder / ".snakemake" / "locks" / "0.output.lock").write_text("results/tables/copying.csv\n")
    return folder


def locks(project: Path) -> list[Path]:
    return sorted((project / ".snakemake" / "locks").glob("*.lock"))


def clear(cwd: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # the snakemake next to this Python
    return subprocess.run([sys.executable, str(SCRIPT), *arguments], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300)


@pytest.fixture
def start_snakemake(tmp_path):
    """Start a process that looks like a running Snakemake: start_snakemake(cwd, *arguments) -> its pid."""
    program = tmp_path / "bin" / "snakemake"
    program.parent.mkdir()
    program.write_text("import time\ntime.sleep(300)\n")
    started = []

    def start(cwd: Path, *arguments: str) -> int:
        started.append(subprocess.Popen([sys.executable, str(program), *arguments], cwd=cwd))
        return started[-1].pid

    yield start
    for process in started:
        process.kill()
        process.wait()


@pytest.mark.parametrize(
    "arguments,expected",
    [
        ([], "."),
        (["--directory", "a"], "a"),
        (["-d", "a", "--configfile", "c.yaml"], "a"),
        (["--directory=a"], "a"),
        (["-da"], "a"),
        (["--directory", "a", "--cores", "2", "-d", "b"], "b"),
    ],
)
def test_the_working_directory_is_the_last_directory_argument(tmp_path, arguments, expected):
    assert clear_stale_lock.working_directory(arguments, tmp_path) == (tmp_path / expected).resolve()


@pytest.mark.parametrize(
    "command,is_snakemake",
    [
        (["/venv/bin/snakemake", "--cores", "2"], True),
        (["/venv/bin/python3", "/venv/bin/snakemake", "--directory", "x"], True),
        (["python3.11", "-m", "snakemake", "--target-jobs", "train:seed=0"], True),
        (["vim", "snakemake"], False),
        (["grep", "-r", "snakemake", "."], False),
        (["python3", "-m", "pytest", "snakemake"], False),
        (["bash", "scripts/reproduce", "--cores", "2"], False),
        ([], False),
    ],
)
def test_a_snakemake_is_recognised_by_its_program_not_its_arguments(command, is_snakemake):
    assert clear_stale_lock.is_snakemake(command) is is_snakemake


@pytest.mark.parametrize("started_where", ["inside", "elsewhere with --directory"])
def test_a_lock_is_kept_while_a_snakemake_works_in_that_directory(tmp_path, start_snakemake, started_where):
    project = project_with_lock(tmp_path / "project")
    if started_where == "inside":
        pid = start_snakemake(project, "--cores", "2")
    else:
        pid = start_snakemake(tmp_path, "--cores", "2", "--directory", "project")
    result = clear(tmp_path, "--directory", "project", "--cores", "2")
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert f"{project} is locked and Snakemake still runs there: process {pid} (" in result.stderr
    assert locks(project)


def test_a_lock_left_by_a_killed_snakemake_is_removed_with_snakemake_unlock(tmp_path, start_snakemake):
    project = project_with_lock(tmp_path / "project")
    other = tmp_path / "other"
    other.mkdir()
    start_snakemake(other, "--cores", "2")  # a Snakemake working elsewhere does not hold this lock
    result = clear(tmp_path, "--snakefile", str(REPOSITORY / "workflow" / "Snakefile"), "--directory", "project", "--configfile", "project/config/smoke.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"clear-stale-lock: removed the lock a killed Snakemake left in {project} (no Snakemake process runs there)"]
    assert locks(project) == []


def test_a_failed_unlock_is_reported_and_its_exit_status_passed_on(tmp_path):
    project = project_with_lock(tmp_path / "project")
    result = clear(tmp_path, "--snakefile", str(tmp_path / "missing.smk"), "--directory", "project")
    assert result.returncode != 0
    assert result.stderr.splitlines()[-1].startswith(f"clear-stale-lock: `snakemake --unlock` failed (exit {result.returncode}) on the stale lock in {project}")
    assert locks(project)


def test_without_a_lock_nothing_is_done_even_while_a_snakemake_runs_there(tmp_path, start_snakemake):
    project = tmp_path / "project"
    project.mkdir()
    start_snakemake(project)
    result = clear(tmp_path, "--directory", "project")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
