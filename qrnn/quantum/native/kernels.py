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
MAX_ROTATIONS = 8
ROTATION_CODES = {"rx": 0, "ry": 1, "rz": 2}

_disabled = False
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_process = 0  # the pid that made _pool: a forked child has none of its threads and must make its own


def usable(state: torch.Tensor) -> bool:
    """Whether the C kernels compute this state: a CPU complex64/complex128 state, kernels built."""
    return (
        not _disabled
        and state.is_cpu
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
    """A contiguous tensor with no lazy conjugate or negation, cast to ``dtype`` if given.
    (Checked first: each tensor operation costs tens of microseconds when its code is out of
    the caches, as it is in a training step's every call.)"""
    if dtype is not None and tensor.dtype != dtype:
        tensor = tensor.to(dtype)
    if tensor.is_conj() or tensor.is_neg() or not tensor.is_contiguous():
        tensor = tensor.resolve_conj().resolve_neg().contiguous()
    return tensor


def _address(tensor: torch.Tensor | None, start: int = 0) -> int | None:
    """Address of batch element ``start`` of a contiguous tensor (None for None)."""
    if tensor is None:
        return None
    return tensor.data_ptr() + start * tensor.stride(0) * tensor.element_size() if start else tensor.data_ptr()


def _workers(batch: int, amplitudes: int) -> int:
    """Threads a call over ``batch`` elements of ``amplitudes`` each is split over (1: no split)."""
    return min(torch.get_num_threads(), batch, batch * amplitudes // MIN_AMPLITUDES_PER_THREAD)


def _parallel(call: Callable[[int, int], int], batch: int, amplitudes: int) -> None:
    """call(start, stop) over contiguous chunks of the batch, one per thread; raise on a failed call."""
    global _pool, _pool_size, _pool_process
    workers = _workers(batch, amplitudes)
    if workers <= 1:  # the common case first: a step's every call pays for each line here
        status = call(0, batch)
        if status:
            _raise_for(status)
        return
    bounds = [batch * index // workers for index in range(workers + 1)]
    if _pool is None or _pool_process != os.getpid() or _pool_size < workers - 1:
        _pool = ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="qrnn-kernels")
        _pool_size, _pool_process = workers - 1, os.getpid()
    futures = [_pool.submit(call, bounds[index], bounds[index + 1]) for index in range(1, workers)]
    for status in [call(bounds[0], bounds[1])] + [future.result() for future in futures]:
        if status:
            _raise_for(status)


def _raise_for(status: int) -> None:
    if status == -1:
        raise MemoryError("qrnn C kernels: could not allocate their work space")
    if status == -2:
        raise ValueError(f"qrnn C kernels take 1 to {MAX_QUBITS} qubits")
    raise ValueError(f"qrnn C kernels refused the rotation kinds (status {status})")


def _function(name: str, dtype: torch.dtype):
    return getattr(build.library(), f"{name}_{SUFFIX[dtype]}")


def _qubits(state: torch.Tensor) -> int:
    return state.shape[1].bit_length() - 1


@functools.lru_cache(maxsize=64)
def _kind_codes(kinds: tuple[str, ...]) -> tuple[torch.Tensor, int]:
    unknown = [kind for kind in kinds if kind not in ROTATION_CODES]
    if unknown or not 1 <= len(kinds) <= MAX_ROTATIONS:
        raise ValueError(f"the C kernels take 1 to {MAX_ROTATIONS} rotations of {', '.join(ROTATION_CODES)}, not {kinds}")
    codes = torch.tensor([ROTATION_CODES[kind] for kind in kinds], dtype=torch.int32)
    return codes, codes.data_ptr()  # the cache keeps the tensor, and so the address, alive


def _angles(angles: torch.Tensor | None) -> tuple[torch.Tensor | None, int, int]:
    """Angles as the kernels read them: (tensor, 1 if double else 0, elements from one batch
    element's angles to the next's). The kernels read float32 and float64, and each batch
    element's angles in order from any stride between them (the slices of a controller's
    output), so most angles reach them without a copy."""
    if angles is None:
        return None, 0, 0
    if angles.dtype not in (torch.float32, torch.float64):
        angles = angles.to(torch.float64)
    if not angles.is_contiguous():
        expected = 1
        for size, stride in zip(reversed(angles.shape[1:]), reversed(angles.stride()[1:])):
            if size != 1 and stride != expected:
                angles = angles.contiguous()
                break
            expected *= size
    return angles, int(angles.dtype == torch.float64), angles.stride(0) if angles.dim() and angles.shape[0] > 1 else 0


def step(state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None, kinds: tuple[str, ...], index, sign,
         inverse: bool, keep_phases: bool = False, readouts: bool = False):
    """One circuit step on a batch of states: for each of L layers, every qubit's gate
    R_kinds[-1] ... R_kinds[0] at its angles, then the entangler. Returns the new states and,
    with ``keep_phases``, the angles' (cos(t/2), sin(t/2)) as (batch, L, n, len(kinds), 2)
    float64, which ``step_backward`` takes.

    encoding (batch, n) or None: the angles of an RY that is every gate's first rotation
    (kinds[0] = "ry"), in the first layer (RY(0) = I in the others). variational (batch or
    1, L, n, len(kinds) minus 1 with an encoding) or None: the other rotations' angles; None
    means one layer of the encoding alone. Angles are float32 or float64 (or cast to
    float64); the kernels compute with them in double precision. The entangler is a
    permutation (new[i] = old[index[i]]) or a diagonal of signs (real, the state's
    precision), or neither. inverse: U^dagger state instead (index then E's inverse table).
    With ``readouts`` a third value: the new states' ``expectations`` (batch, 3, n) float64,
    read inside the same call.
    """
    state = _dense(state)
    batch, dimension = state.shape
    n = _qubits(state)
    codes = _kind_codes(tuple(kinds))[1]
    encoding, encoding_stride, variational, variational_stride, angle_types, layers = _step_angles(state, encoding, variational, kinds)
    out = torch.empty_like(state)
    phases = torch.empty(batch, layers, n, len(kinds), 2, dtype=torch.float64) if keep_phases else None
    values = torch.empty(batch, 3, n, dtype=torch.float64) if readouts else None
    function = _function("qrnn_step", state.dtype)
    _parallel(
        lambda start, stop: function(
            _address(state, start), _address(out, start), _address(encoding, start), encoding_stride,
            _address(variational, start if variational_stride else 0), variational_stride, angle_types,
            _address(phases, start), codes, len(kinds), stop - start, n, layers, _address(index), _address(sign), int(inverse),
            _address(values, start),
        ),
        batch, dimension * max(layers, 1),
    )
    return (out, phases, values) if readouts else (out, phases)


def _step_angles(state: torch.Tensor, encoding: torch.Tensor | None, variational: torch.Tensor | None, kinds: tuple[str, ...]):
    """A step's angles as the kernels read them, checked against the states and rotations:
    (encoding, its stride, variational, its stride, the angle types' bits, layers)."""
    batch, n = state.shape[0], _qubits(state)
    encoding, encoding_double, encoding_stride = _angles(encoding)
    variational, variational_double, variational_stride = _angles(variational)
    first = int(encoding is not None)
    if encoding is not None and (tuple(encoding.shape) != (batch, n) or kinds[0] != "ry"):
        raise ValueError(f"encoding angles of shape {tuple(encoding.shape)} and rotations {kinds} do not fit states of shape "
                         f"{tuple(state.shape)}: expected ({batch}, {n}) and 'ry' first")
    if variational is None:
        layers = first
        if first and len(kinds) != 1:
            raise ValueError(f"without variational angles the encoding is the only rotation, not {kinds}")
    else:
        if variational.dim() != 4 or variational.shape[0] not in (1, batch) or tuple(variational.shape[2:]) != (n, len(kinds) - first):
            raise ValueError(f"variational angles of shape {tuple(variational.shape)} do not fit states of shape "
                             f"{tuple(state.shape)} and rotations {kinds}: expected ({batch} or 1, L, {n}, {len(kinds) - first})")
        layers = variational.shape[1]
    return encoding, encoding_stride, variational, variational_stride, encoding_double | 2 * variational_double, layers


def step_backward(out: torch.Tensor, grad_out: torch.Tensor | None, phases: torch.Tensor | None, kinds: tuple[str, ...],
                  inverse_index, sign, grad_readouts: torch.Tensor | None = None, angles: tuple | None = None):
    """Backward of ``step`` (forward direction) from its output: (dL/d state, dL/d angles float64).
    With ``grad_readouts`` (batch, 3, n), dL/d the output's ``expectations``, their backward
    is added to ``grad_out`` (which may then be None for none) inside the same call.
    With ``phases`` None, ``angles`` = (encoding, variational) as ``step`` takes them: the
    phases are computed from them, and the step's input U^dagger out comes third (the
    inverse step, from the same call)."""
    out = _dense(out)
    grad_out = None if grad_out is None else _dense(grad_out, out.dtype)
    grad_readouts = None if grad_readouts is None else _dense(grad_readouts, torch.float64)
    batch, dimension = out.shape
    if phases is None:
        encoding, encoding_stride, variational, variational_stride, angle_types, layers = _step_angles(out, *angles, kinds)
        previous = torch.empty_like(out)
    else:
        phases = _dense(phases, torch.float64)
        encoding = variational = previous = None
        encoding_stride = variational_stride = angle_types = 0
        layers = phases.shape[1]
    grad_state = torch.empty_like(out)
    grad_angles = torch.empty(batch, layers, _qubits(out), len(kinds), dtype=torch.float64)
    function, codes = _function("qrnn_step_backward", out.dtype), _kind_codes(tuple(kinds))[1]
    _parallel(
        lambda start, stop: function(
            _address(out, start), _address(grad_out, start), _address(grad_readouts, start), _address(phases, start),
            _address(encoding, start), encoding_stride, _address(variational, start if variational_stride else 0), variational_stride,
            angle_types, codes, len(kinds), stop - start, _qubits(out), layers, _address(inverse_index), _address(sign),
            _address(grad_state, start), _address(grad_angles, start), _address(previous, start),
        ),
        batch, dimension * max(layers, 1),
    )
    return (grad_state, grad_angles) if angles is None else (grad_state, grad_angles, previous)


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

