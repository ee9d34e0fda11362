"""The engine's two CPU paths, as a pytest fixture: the C kernels and the PyTorch reference.

Tests that use ``engine_path`` run once per path, so both stay covered on a machine that
builds the kernels; where they cannot be built the kernel case is skipped, with the reason,
except under QRNN_KERNELS=native (what CI runs): there a kernel that fails to build fails
every test that needs it, with the compiler's message.
"""

from __future__ import annotations

import contextlib

import pytest

from qrnn.quantum.native import build, kernels


def require_kernels() -> None:
    """Skip the calling test where the C kernels are unavailable (QRNN_KERNELS=auto or torch).
    Under QRNN_KERNELS=native build.library() raises KernelBuildError instead: the test fails."""
    if build.library() is None:
        pytest.skip(f"C kernels unavailable here: {build.description()}")


@pytest.fixture(params=["kernels", "torch"])
def engine_path(request):
    if request.param == "kernels":
        require_kernels()
        context = contextlib.nullcontext()
    else:
        context = kernels.torch_path()
    with context:
        yield request.param
