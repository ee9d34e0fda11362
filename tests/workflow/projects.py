"""Running the repository's workflow on a copy of config/ in a temporary project folder.

Each project folder gets a copy of config/ and runs the repository's Snakefile with
--directory, so results/ and .snakemake/ stay out of the repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"


def snakemake_command(project: Path, *arguments: str) -> list[str]:
    return [str(SNAKEMAKE), "--snakefile", str(REPOSITORY / "workflow" / "Snakefile"), "--directory", str(project), *arguments]


def snakemake(project: Path, *arguments: str, check: bool = True, timeout: float = 600) -> str:
    result = subprocess.run(snakemake_command(project, *arguments), cwd=project, capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    if check:
        assert result.returncode == 0, output[-4000:]
    return output


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table Snakemake prints before running (or with -n)."""
    table = output.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {match[1]: int(match[2]) for match in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE) if match[1] != "total"}


def job_resources(output: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, resources) of every job a run or dry run prints, in the order printed."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:\n)", output):
        rule = re.match(r"(?:local)?rule (\w+):\n", block)
        resources = re.search(r"^\s+resources: (.*)$", block, re.MULTILINE)
        if rule and resources:
            jobs.append((rule[1], dict(item.split("=", 1) for item in resources[1].split(", "))))
    return jobs


def new_project(root: Path, **changes) -> Path:
    """A folder with the repository's config/ and smoke.yaml changed by ``changes`` (top-level sections merged one level deep)."""
    shutil.copytree(REPOSITORY / "config", root / "config")
    smoke = yaml.safe_load((root / "config" / "smoke.yaml").read_text())
    for section, values in changes.items():
        smoke[section] = {**smoke.get(section, {}), **values}
    (root / "config" / "test.yaml").write_text(yaml.safe_dump(smoke))
    return root


def mtimes(project: Path, pattern: str) -> dict[str, int]:
    return {str(path.relative_to(project)): path.stat().st_mtime_ns for path in sorted(project.glob(pattern))}
