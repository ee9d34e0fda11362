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


def _parallel(call: Callable[[int, int], int], batch: int, amplitudes: int) -> None:
    """call(start, stop) over contiguous chunks of the batch, one per thread; raise on a failed call."""
    global _pool, _pool_size, _pool_process
    workers = min(torch.get_num_threads(), batch, batch * amplitudes // MIN_AMPLITUDES_PER_THREAD)
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



class BoundStep:
    """``step`` and ``step_backward`` for a run of calls of one shape (the steps of a sequence),
    with their checks, function lookups, rotation codes and table addresses done once, in
    ``bind``: each call then costs the ctypes call and its outputs' allocation. At small n a
    training step makes two such calls per time step, and ``step``'s own Python (checks,
    casts, look-ups) cost about 12 us of its 85 at n = 8, B = 64.

    Each call's angles are found one of two ways, chosen in ``bind``:
    - bound to a ``source`` (the controller's output): views of each call's source at the
      offsets they had in ``bind``, or, for an angle tensor that was no view of it there (the
      model's own variational angles), that same tensor in every call;
    - without a source: the tensors each call passes, of the layouts (shape, strides, dtype)
      they had in ``bind``.
    Every call checks the state's and the source's (or the angles') layouts against the bound
    ones, so a tensor of another layout is refused rather than misread.
    """

    def __init__(self, state: torch.Tensor, source: torch.Tensor | None, encoding: torch.Tensor | None,
                 variational: torch.Tensor | None, kinds: tuple[str, ...], index, inverse_index, sign, angles: tuple):
        self.state_layout = (state.shape, state.dtype)
        self.source_layout = None if source is None else _layout(source)
        self.batch, self.dimension, self.n = state.shape[0], state.shape[1], _qubits(state)
        self.encoding_stride, self.variational_stride, self.angle_types, self.layers = angles
        self.encoding, self.variational = _bound_angles(encoding, source), _bound_angles(variational, source)
        self.kinds, self.codes = len(kinds), _kind_codes(tuple(kinds))[1]
        self.tables = (index, inverse_index, sign)  # kept alive with their addresses
        self.index, self.inverse_index, self.sign = _address(index), _address(inverse_index), _address(sign)
        self.forward_function = _function("qrnn_step", state.dtype)
        self.backward_function = _function("qrnn_step_backward", state.dtype)
        self.angle_bytes = (encoding if encoding is not None else variational).element_size()
        self.phases_shape = (self.batch, self.layers, self.n, self.kinds, 2)
        self.grad_angles_shape = (self.batch, self.layers * self.n * self.kinds)
        self.parallel = min(torch.get_num_threads(), self.batch, self.batch * self.dimension * self.layers // MIN_AMPLITUDES_PER_THREAD) > 1

    def _state(self, state: torch.Tensor, dense: bool = False) -> torch.Tensor:
        """``state`` checked against the bound layout, made dense unless ``dense`` says it must be already."""
        if (state.shape, state.dtype) != self.state_layout or (dense and not state.is_contiguous()):
            raise ValueError(f"a bound kernel step takes {'dense ' if dense else ''}states of shape {tuple(self.state_layout[0])} "
                             f"and dtype {self.state_layout[1]}, not {tuple(state.shape)} {state.dtype}")
        return state if dense or (state.is_contiguous() and not state.is_conj() and not state.is_neg()) else _dense(state)

    def _angles(self, source: torch.Tensor | None, encoding: torch.Tensor | None,
                variational: torch.Tensor | None) -> tuple[int | None, int | None]:
        """The angles' addresses, after checking the source or the angles against the bound layouts."""
        if self.source_layout is None:
            return _given_address(self.encoding, encoding, "encoding"), _given_address(self.variational, variational, "variational")
        if source is None or _layout(source) != self.source_layout:
            raise ValueError(f"a bound kernel step takes angle sources of shape, strides and dtype {self.source_layout}, not "
                             f"{None if source is None else _layout(source)}")
        base = source.data_ptr()
        return _source_address(self.encoding, base), _source_address(self.variational, base)

    def forward(self, state: torch.Tensor, source: torch.Tensor | None = None, encoding: torch.Tensor | None = None,
                variational: torch.Tensor | None = None, keep_phases: bool = True, values: torch.Tensor | None = None):
        """``step(state, encoding, variational, kinds, index, sign, inverse=False, keep_phases,
        readouts=True)``: (out, phases or None, expectations (batch, 3, n) float64, or written
        into ``values``, a dense float64 tensor of as many elements: a buffer reused across
        steps), the angles in ``source`` or given (as bound)."""
        state = self._state(state)
        encoding, variational = self._angles(source, encoding, variational)
        out = torch.empty_like(state)
        phases = torch.empty(self.phases_shape, dtype=torch.float64) if keep_phases else None
        if values is None:
            values = torch.empty(self.batch, 3, self.n, dtype=torch.float64)
        elif values.dtype != torch.float64 or not values.is_contiguous() or values.numel() != self.batch * 3 * self.n:
            raise ValueError(f"expectations go into a dense float64 tensor of {self.batch} x 3 x {self.n} elements, not "
                             f"{tuple(values.shape)} {values.dtype}")
        function = self.forward_function
        if not self.parallel:
            status = function(state.data_ptr(), out.data_ptr(), encoding, self.encoding_stride, variational, self.variational_stride,
                              self.angle_types, _address(phases), self.codes, self.kinds, self.batch, self.n, self.layers, self.index,
                              self.sign, 0, values.data_ptr())
            if status:
                _raise_for(status)
            return out, phases, values
        _parallel(
            lambda start, stop: function(
                _address(state, start), _address(out, start), self._chunk(encoding, self.encoding_stride, start), self.encoding_stride,
                self._chunk(variational, self.variational_stride, start), self.variational_stride, self.angle_types,
                _address(phases, start), self.codes, self.kinds, stop - start, self.n, self.layers, self.index, self.sign, 0,
                _address(values, start),
            ),
            self.batch, self.dimension * self.layers,
        )
        return out, phases, values

    def backward(self, out: torch.Tensor, grad_out: torch.Tensor | None, grad_readouts: torch.Tensor | None, phases: torch.Tensor,
                 grad_angles: torch.Tensor | None = None):
        """``step_backward`` from the kept ``phases`` (a ``forward``'s): (dL/d state in, dL/d angles
        (batch, L * n * kinds) float64, written into ``grad_angles`` if given: a buffer reused
        across steps). ``grad_out`` (the state's dtype) and ``grad_readouts`` (batch x 3 x n
        float64) must be dense: this step's outputs, or made so by the caller."""
        out = self._state(out, dense=True)
        grad_state = torch.empty_like(out)
        if grad_angles is None:
            grad_angles = torch.empty(self.grad_angles_shape, dtype=torch.float64)
        elif grad_angles.shape != self.grad_angles_shape or grad_angles.dtype != torch.float64 or not grad_angles.is_contiguous():
            raise ValueError(f"angle gradients go into a dense float64 tensor of shape {self.grad_angles_shape}, not "
                             f"{tuple(grad_angles.shape)} {grad_angles.dtype}")
        function = self.backward_function
        if not self.parallel:
            status = function(out.data_ptr(), _address(grad_out), _address(grad_readouts), phases.data_ptr(), None, 0, None, 0, 0,
                              self.codes, self.kinds, self.batch, self.n, self.layers, self.inverse_index, self.sign,
                              grad_state.data_ptr(), grad_angles.data_ptr(), None)
            if status:
                _raise_for(status)
            return grad_state, grad_angles
        _parallel(
            lambda start, stop: function(
                _address(out, start), _address(grad_out, start), _address(grad_readouts, start), _address(phases, start), None, 0,
                None, 0, 0, self.codes, self.kinds, stop - start, self.n, self.layers, self.inverse_index, self.sign,
                _address(grad_state, start), _address(grad_angles, start), None,
            ),
            self.batch, self.dimension * self.layers,
        )
        return grad_state, grad_angles

    def _chunk(self, address: int | None, stride: int, start: int) -> int | None:
        """The address of batch element ``start``'s angles (a stride of 0: one set for the whole batch)."""
        return None if address is None else address + start * stride * self.angle_bytes


def bind(state: torch.Tensor, source: torch.Tensor | None, encoding: torch.Tensor | None, variational: torch.Tensor | None,
         kinds: tuple[str, ...], index, inverse_index, sign) -> BoundStep | None:
    """A BoundStep for steps whose states are like ``state`` and whose angles are like
    ``encoding`` and ``variational``, in ``source`` or given to each call (see BoundStep),
    checked here as ``step`` checks them; None where the kernels cannot serve them or the
    angles would need a copy or a cast on each call (the caller then keeps to ``step``)."""
    if not usable(state) or (encoding is None and variational is None):
        return None
    state = _dense(state)
    checked_encoding, encoding_stride, checked_variational, variational_stride, angle_types, layers = _step_angles(
        state, encoding, variational, kinds)
    if checked_encoding is not encoding or checked_variational is not variational:
        return None
    if encoding is not None and variational is not None and encoding.dtype != variational.dtype:
        return None  # one element size serves both angles' chunk offsets
    return BoundStep(state, source, encoding, variational, kinds, index, inverse_index, sign,
                     (encoding_stride, variational_stride, angle_types, layers))


def _layout(tensor: torch.Tensor) -> tuple:
    return tensor.shape, tensor.stride(), tensor.dtype


def _bound_angles(angles: torch.Tensor | None, source: torch.Tensor | None):
    """How a BoundStep finds these angles in each call: None for none; without a source, the
    layout each call's tensor must have; with one, their offset in bytes from the source's
    address for a view of the source, or the tensor itself for any other tensor."""
    if angles is None:
        return None
    if source is None:
        return _layout(angles)
    if angles.untyped_storage().data_ptr() == source.untyped_storage().data_ptr():
        return angles.data_ptr() - source.data_ptr()
    return angles


def _source_address(bound, base: int) -> int | None:
    if bound is None:
        return None
    return base + bound if type(bound) is int else bound.data_ptr()


def _given_address(layout: tuple | None, angles: torch.Tensor | None, name: str) -> int | None:
    if layout is None and angles is None:
        return None
    if layout is None or angles is None or _layout(angles) != layout:
        raise ValueError(f"a bound kernel step takes {name} angles of shape, strides and dtype {layout}, not "
                         f"{None if angles is None else _layout(angles)}")
    return angles.data_ptr()
