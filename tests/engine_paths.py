"""The engine's two CPU paths, as a pytest fixture: the C kernels and the PyTorch reference.

Tests that use ``engine_path`` run once per path, so both stay covered on a machine that
builds the kernels; where they cannot be built the kernel case is skipped, with the reason.
"""

from __future__ import annotations

import contextlib

import pytest

from qrnn.quantum.native import build, kernels


@pytest.fixture(params=["kernels", "torch"])
def engine_path(request):
    if request.param == "kernels":
        if build.library() is None:
            pytest.skip(f"C kernels unavailable here: {build.description()}")
        context = contextlib.nullcontext()
    else:
        context = kernels.torch_path()
    with context:
        yield request.param
