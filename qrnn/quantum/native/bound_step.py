"""A run of C kernel calls of one shape (the steps of a sequence) with their checks, look-ups
and constant arguments worked out once: ``bind`` makes a ``BoundStep`` from a first step,
whose ``forward`` and ``backward`` then take what ``kernels.step`` and ``kernels.step_backward``
take, less what does not change from step to step, and give the same results.
"""

from __future__ import annotations

import math

import torch

# The unbound calls' own helpers: a bound call checks and addresses tensors as they do.
from qrnn.quantum.native.kernels import (
    _address,
    _dense,
    _function,
    _kind_codes,
    _parallel,
    _qubits,
    _step_angles,
    _workers,
    usable,
)


class BoundStep:
    """``kernels.step`` and ``kernels.step_backward`` for a run of calls of one shape (the
    steps of a sequence), with their checks, function look-ups, rotation codes and table
    addresses done once, in ``bind``: each call then costs the ctypes call and its outputs'
    allocation. At small n a training step makes two such calls per time step, and
    ``kernels.step``'s own Python (checks, casts, look-ups) cost about 12 us of its 85 at
    n = 8, B = 64.

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

    @property
    def parallel(self) -> bool:
        """Whether a call is split over threads (kernels._parallel, at torch's thread count now)."""
        return _workers(self.batch, self.dimension * self.layers) > 1

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
        values = _float64_output(values, (self.batch, 3, self.n), "expectations")
        function = self.forward_function
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
        grad_angles = _float64_output(grad_angles, self.grad_angles_shape, "angle gradients")
        function = self.backward_function
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


def _float64_output(buffer: torch.Tensor | None, shape: tuple[int, ...], name: str) -> torch.Tensor:
    """A new float64 tensor of ``shape`` for a kernel's output, or ``buffer`` once checked to hold it."""
    if buffer is None:
        return torch.empty(shape, dtype=torch.float64)
    if buffer.dtype != torch.float64 or not buffer.is_contiguous() or buffer.numel() != math.prod(shape):
        raise ValueError(f"{name} go into a dense float64 tensor of {' x '.join(map(str, shape))} elements, not "
                         f"{tuple(buffer.shape)} {buffer.dtype}")
    return buffer


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
