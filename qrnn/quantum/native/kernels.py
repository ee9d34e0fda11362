"""Tensor-level calls of the C kernels: checks, output allocation, and the batch split over threads.

Every function takes and returns torch tensors on the CPU, (batch, 2**n) complex64 or
complex128 states. The batch is cut into one contiguous chunk per torch thread
(torch.get_num_threads(), so `--threads` and Snakemake's `threads:` apply here too); ctypes
releases the GIL, so the chunks run in parallel. Each batch element is computed by one
thread in a fixed order, so the numbers do not depend on the thread count.
"""

from __future__ import annotations

import contextlib
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import torch

from qrnn.quantum.native import build

SUFFIX = {torch.complex64: "f32", torch.complex128: "f64"}
REAL = {torch.complex64: torch.float32, torch.complex128: torch.float64}
# Below this many amplitudes per thread, handing work to another thread costs more than it saves.
MIN_AMPLITUDES_PER_THREAD = 2**14
MAX_QUBITS = 30

_disabled = False
_pool: ThreadPoolExecutor | None = None
_pool_process = 0  # the pid that made _pool: a forked child has none of its threads and must make its own


def usable(state: torch.Tensor) -> bool:
    """Whether the C kernels compute this state: a CPU complex64/complex128 state, kernels built."""
    return (
        not _disabled
        and state.device.type == "cpu"
        and state.dtype in SUFFIX
        and state.dim() == 2
        and state.shape[1].bit_count() == 1
        and 1 <= state.shape[1].bit_length() - 1 <= MAX_QUBITS
        and build.library() is not None
    )


@contextlib.contextmanager
def torch_path():
    """Within this block the engine uses its PyTorch path even where the kernels are usable (tests, benchmarks)."""
    global _disabled
    previous, _disabled = _disabled, True
    try:
        yield
    finally:
        _disabled = previous


def _dense(tensor: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A contiguous tensor with no lazy conjugate or negation, cast to ``dtype`` if given."""
    if dtype is not None and tensor.dtype != dtype:
        tensor = tensor.to(dtype)
    return tensor.resolve_conj().resolve_neg().contiguous()


def _address(tensor: torch.Tensor | None, start: int = 0) -> int | None:
    """Address of batch element ``start`` of a contiguous tensor (None for None)."""
    if tensor is None:
        return None
    return tensor.data_ptr() + start * tensor.stride(0) * tensor.element_size() if start else tensor.data_ptr()


def _parallel(call: Callable[[int, int], int], batch: int, amplitudes: int) -> None:
    """call(start, stop) over contiguous chunks of the batch, one per thread; raise on a failed call."""
    global _pool, _pool_process
    workers = max(1, min(torch.get_num_threads(), batch, batch * amplitudes // MIN_AMPLITUDES_PER_THREAD))
    bounds = [batch * index // workers for index in range(workers + 1)]
    if workers == 1:
        statuses = [call(0, batch)]
    else:
        if _pool is None or _pool_process != os.getpid() or _pool._max_workers < workers - 1:
            _pool, _pool_process = ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="qrnn-kernels"), os.getpid()
        futures = [_pool.submit(call, bounds[index], bounds[index + 1]) for index in range(1, workers)]
        statuses = [call(bounds[0], bounds[1])] + [future.result() for future in futures]
    if -1 in statuses:
        raise MemoryError("qrnn C kernels: could not allocate their work space")
    if any(status != 0 for status in statuses):
        raise ValueError(f"qrnn C kernels take 1 to {MAX_QUBITS} qubits")


def _function(name: str, dtype: torch.dtype):
    return getattr(build.library(), f"{name}_{SUFFIX[dtype]}")


def _qubits(state: torch.Tensor) -> int:
    return state.shape[1].bit_length() - 1


def layers(state: torch.Tensor, gates: torch.Tensor, index: torch.Tensor | None, sign: torch.Tensor | None, inverse: bool) -> torch.Tensor:
    """Apply L single-qubit layers to a batch of states, each followed by the entangler.

    gates: (batch, L, n, 2, 2), cast to the state's dtype. The entangler is a permutation
    (new[i] = old[index[i]]) or a diagonal of signs, or neither. inverse: apply the
    entangler (then given as its inverse) before each layer instead of after it; the
    caller passes adjoint gates in reverse layer order, so the result is U^dagger state.
    """
    state = _dense(state)
    gates = _dense(gates, state.dtype)
    batch, dimension = state.shape
    if gates.shape[0] != batch or gates.shape[2:] != (_qubits(state), 2, 2):
        raise ValueError(f"gates of shape {tuple(gates.shape)} do not fit states of shape {tuple(state.shape)}")
    out = torch.empty_like(state)
    function, n, count = _function("qrnn_layers", state.dtype), _qubits(state), gates.shape[1]
    _parallel(
        lambda start, stop: function(
            _address(state, start), _address(out, start), _address(gates, start), stop - start, n, count,
            _address(index), _address(sign), int(inverse),
        ),
        batch, dimension * count,
    )
    return out


def layers_backward(
    out: torch.Tensor, grad_out: torch.Tensor, gates: torch.Tensor, inverse_index: torch.Tensor | None, sign: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Backward of ``layers`` (forward direction) from its output: (dL/d state, correlations).

    correlations: (batch, L, n, 2, 2) complex128, C[a][c] = sum over the other qubits of
    g[a] conj(z[c]), g and z the gradient and the state right after that layer's gates;
    the gradient of a unitary gate G is C @ G.
    """
    out = _dense(out)
    grad_out, gates = _dense(grad_out, out.dtype), _dense(gates, out.dtype)
    batch, dimension = out.shape
    grad_in = torch.empty_like(out)
    correlations = torch.zeros(*gates.shape[:3], 2, 2, dtype=torch.complex128)
    function, n, count = _function("qrnn_layers_backward", out.dtype), _qubits(out), gates.shape[1]
    _parallel(
        lambda start, stop: function(
            _address(out, start), _address(grad_out, start), _address(gates, start), stop - start, n, count,
            _address(inverse_index), _address(sign), _address(grad_in, start), _address(correlations, start),
        ),
        batch, dimension * count,
    )
    return grad_in, correlations


def expectations(state: torch.Tensor) -> torch.Tensor:
    """<X_k>, <Y_k>, <Z_k> of every qubit: (batch, 3, n) float64."""
    state = _dense(state)
    batch, dimension = state.shape
    n = _qubits(state)
    result = torch.empty(batch, 3, n, dtype=torch.float64)
    function = _function("qrnn_expectations", state.dtype)
    _parallel(lambda start, stop: function(_address(state, start), stop - start, n, _address(result, start)), batch, dimension)
    return result


def expectations_backward(state: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
    """dL/d state from dL/d expectations (batch, 3, n)."""
    state = _dense(state)
    grad = _dense(grad, torch.float64)
    batch, dimension = state.shape
    n = _qubits(state)
    out = torch.empty_like(state)
    function = _function("qrnn_expectations_backward", state.dtype)
    _parallel(
        lambda start, stop: function(_address(state, start), _address(grad, start), stop - start, n, _address(out, start)),
        batch, dimension,
    )
    return out


ROTATION_CODES = {"rx": 0, "ry": 1, "rz": 2}


@functools.lru_cache(maxsize=64)
def _kind_codes(kinds: tuple[str, ...]) -> torch.Tensor:
    return torch.tensor([ROTATION_CODES[kind] for kind in kinds], dtype=torch.int32)


def rotations(angles: torch.Tensor, kinds: tuple[str, ...]) -> torch.Tensor:
    """R_last ... R_first of the rotations ``kinds`` at ``angles`` (..., len(kinds)): (..., 2, 2) complex128."""
    angles = _dense(angles, torch.float64)
    codes = _kind_codes(kinds)
    out = torch.empty(*angles.shape[:-1], 2, 2, dtype=torch.complex128)
    status = build.library().qrnn_rotations(angles.data_ptr(), angles.numel() // len(kinds), codes.data_ptr(), len(kinds), out.data_ptr())
    if status != 0:
        raise ValueError(f"rotation kinds {kinds} not supported by the C kernels")
    return out


def rotations_backward(angles: torch.Tensor, grad: torch.Tensor, kinds: tuple[str, ...]) -> torch.Tensor:
    """dL/d angles (float64, the shape of ``angles``) from dL/d gates (..., 2, 2)."""
    angles = _dense(angles, torch.float64)
    grad = _dense(grad, torch.complex128)
    codes = _kind_codes(kinds)
    out = torch.empty_like(angles)
    status = build.library().qrnn_rotations_backward(
        angles.data_ptr(), grad.data_ptr(), angles.numel() // len(kinds), codes.data_ptr(), len(kinds), out.data_ptr()
    )
    if status != 0:
        raise ValueError(f"rotation kinds {kinds} not supported by the C kernels")
    return out
