"""How the C kernels are built and chosen: QRNN_KERNELS, the fallback without a compiler,
the cache, one build for processes that start at once, and CI's QRNN_KERNELS=native
turning a failed build into failed tests rather than skipped ones."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from qrnn.quantum.native import build
from tests.engine_paths import require_kernels

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _both_engine_paths():
    """These tests choose the path themselves (overrides tests/quantum/conftest.py)."""


def run_python(code: str, **environment) -> subprocess.CompletedProcess:
    env = {**os.environ, **environment}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)


DESCRIBE = "from qrnn.quantum.native import build; print(build.description())"


def test_qrnn_kernels_torch_selects_the_pytorch_path():
    result = run_python(DESCRIBE, QRNN_KERNELS="torch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PyTorch (QRNN_KERNELS=torch)"


def test_an_unknown_qrnn_kernels_value_is_named():
    result = run_python(DESCRIBE, QRNN_KERNELS="fastest")
    assert result.returncode != 0
    assert "QRNN_KERNELS='fastest' is not one of auto, native, torch" in result.stderr


def test_without_a_compiler_auto_warns_and_falls_back_and_native_fails(tmp_path):
    code = (
        "import torch\nfrom qrnn.quantum.circuit import EngineStep, StepCircuit\n"
        "step = EngineStep(StepCircuit(3, 1, ('ry',), 'cnot_ring', True))\n"
        "state = torch.zeros(2, 8, dtype=torch.complex64); state[:, 0] = 1\n"
        "print(step(state, torch.ones(2, 3), torch.ones(1, 1, 3, 1)).abs().sum().item())\n" + DESCRIBE
    )
    missing = {"CC": str(tmp_path / "no-such-compiler"), "QRNN_KERNEL_CACHE": str(tmp_path / "cache")}
    fallback = run_python(code, QRNN_KERNELS="auto", **missing)
    assert fallback.returncode == 0, fallback.stderr
    assert "C state-vector kernels are unavailable" in fallback.stderr and "no-such-compiler" in fallback.stderr
    assert fallback.stdout.strip().splitlines()[-1] == "PyTorch (C kernels unavailable)"
    refused = run_python(code, QRNN_KERNELS="native", **missing)
    assert refused.returncode != 0
    assert "KernelBuildError" in refused.stderr and "no-such-compiler" in refused.stderr
    assert not any(Path(tmp_path / "cache").glob("*.so"))  # nothing half built is left


def test_a_build_is_cached_and_reused(tmp_path, monkeypatch):
    require_kernels()
    monkeypatch.setenv("QRNN_KERNEL_CACHE", str(tmp_path))
    _, first = build.build()
    (library_file,) = tmp_path.glob("statevector_kernels-*.so")
    stamp = library_file.stat().st_mtime_ns
    _, second = build.build()
    assert first == second and library_file.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


# Each process marks itself ready, waits for the others, then builds: all ask at once.
BUILD_WHEN_ALL_ARE_READY = (
    "import sys, time\nfrom pathlib import Path\nfrom qrnn.quantum.native import build\n"
    "ready, count = Path(sys.argv[1]), int(sys.argv[2])\n"
    "(ready / sys.argv[3]).touch()\n"
    "while len(list(ready.iterdir())) < count:\n    time.sleep(0.005)\n"
    "library, description = build.build()\nprint(library.qrnn_kernels_abi(), description)\n"
)


def test_processes_that_start_at_once_on_an_empty_cache_build_once(tmp_path):
    require_kernels()
    log = tmp_path / "compiles.log"
    real = os.environ.get("CC") or "cc"
    # Logs every compile (not the --version queries), then runs the real compiler.
    compiler = executable(tmp_path / "logging-cc", f'#!/bin/sh\ncase " $* " in *" -shared "*) echo "$$" >> {shlex.quote(str(log))} ;; esac\nexec {real} "$@"\n')
    cache, ready, count = tmp_path / "cache", tmp_path / "ready", 4
    ready.mkdir()
    env = {**os.environ, "CC": str(compiler), "QRNN_KERNEL_CACHE": str(cache)}
    processes = [
        subprocess.Popen([sys.executable, "-c", BUILD_WHEN_ALL_ARE_READY, str(ready), str(count), str(index)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for index in range(count)
    ]
    outputs = [process.communicate(timeout=600) for process in processes]
    assert [process.returncode for process in processes] == [0] * count, [error for _, error in outputs]
    assert len(log.read_text().splitlines()) == 1
    assert len({output for output, _ in outputs}) == 1 and outputs[0][0].startswith(f"{build.ABI} {build.KERNELS_PATH} (")  # all loaded it
    assert len(list(cache.glob("statevector_kernels-*.so"))) == 1
    assert not list(cache.glob(".*.tmp"))


def run_pytest(*tests: str, **environment) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **environment}, timeout=600)


def test_under_qrnn_kernels_native_a_failed_build_fails_the_kernel_tests(tmp_path):
    """CI runs QRNN_KERNELS=native (scripts/test): a compiler that fails turns the kernel
    tests into errors naming it, where QRNN_KERNELS=auto skips them; the build is tried
    once per process, not once per test."""
    log = tmp_path / "attempts.log"
    compiler = executable(tmp_path / "broken-cc", f'#!/bin/sh\necho "$*" >> {shlex.quote(str(log))}\necho "broken compiler here" >&2\nexit 1\n')
    tests = [f"tests/quantum/test_native_kernels.py::{name}" for name in ("test_readouts_of_known_states", "test_states_off_the_cpu_or_of_other_types_take_the_pytorch_path")]
    broken = {"CC": str(compiler), "QRNN_KERNEL_CACHE": str(tmp_path / "cache")}
    native = run_pytest(*tests, QRNN_KERNELS="native", **broken)
    assert native.returncode == 1, native.stdout[-2000:]
    assert "2 errors" in native.stdout and "KernelBuildError" in native.stdout and "broken compiler here" in native.stdout
    assert log.read_text().splitlines() == ["--version"]
    auto = run_pytest(*tests, QRNN_KERNELS="auto", **broken)
    assert auto.returncode == 0, auto.stdout[-2000:]
    assert "2 skipped" in auto.stdout
