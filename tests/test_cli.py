"""Every `qrnn` sub-command explains itself."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "command",
    [["prepare-data"], ["evaluate"], ["aggregate"], ["figures"], ["figures", "learning-curves"], ["describe-study"]],
)
def test_help(command):
    result = subprocess.run([sys.executable, "-m", "qrnn", *command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith(f"usage: qrnn {' '.join(command)}")
    assert len(result.stdout.splitlines()) > 5  # a description and the options, not just a usage line
