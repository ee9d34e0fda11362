"""`qrnn estimate` counts the jobs the workflow really runs, for every shipped config."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qrnn.config import load_config
from qrnn.study.estimate import job_count

REPOSITORY = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.workflow


@pytest.mark.parametrize("name", ["config.yaml", "smoke.yaml", "paper.yaml"])
def test_job_count_equals_the_dry_run(tmp_path, name):
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["snakemake", "--dry-run", "--snakefile", str(REPOSITORY / "workflow" / "Snakefile"), "--directory", str(tmp_path),
         "--configfile", str(REPOSITORY / "config" / name)],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=300, env=environment,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    total = int(re.search(r"^total\s+(\d+)$", result.stdout, re.MULTILINE).group(1))
    assert job_count(load_config(REPOSITORY / "config" / name)) == total - 1  # the target rule `all` is no job of its own
