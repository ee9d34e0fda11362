"""Single-qubit rotation matrices, batched over any leading dimensions.

R_P(theta) = exp(-i theta P / 2) for P in {X, Y, Z}, the convention of Qiskit, PennyLane
and TorchQuantum.
"""

from __future__ import annotations

import torch

ROTATIONS = ("rx", "ry", "rz")


# -i P for P = X, Y, Z: R_P(theta) = cos(theta/2) I + sin(theta/2) (-i P).
_GENERATORS = {
    "rx": [[0, -1j], [-1j, 0]],
    "ry": [[0, -1], [1, 0]],
    "rz": [[-1j, 0], [0, 1j]],
}


def rotation_matrices(kind: str, angles: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Return the 2x2 matrices of rotations ``kind`` at ``angles``: shape (*angles.shape, 2, 2)."""
    if kind not in _GENERATORS:
        raise ValueError(f"unknown rotation {kind!r} (known: {', '.join(ROTATIONS)})")
    return _rotations((kind,), angles[..., None], dtype)[..., 0, :, :]


def _rotations(kinds: tuple[str, ...], angles: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """All rotations of (..., len(kinds)) angles at once: (..., len(kinds), 2, 2).

    Three elementwise operations for every rotation of a layer, instead of a stack of
    cosines, sines and zeros per rotation kind.
    """
    half = angles.to(_real_dtype(dtype))[..., None, None] / 2
    generators = _constant(kinds, dtype, angles.device)
    identity = torch.eye(2, dtype=half.dtype, device=angles.device)
    return torch.cos(half) * identity + torch.sin(half) * generators


_CONSTANTS: dict[tuple, torch.Tensor] = {}


def _constant(kinds: tuple[str, ...], dtype: torch.dtype, device) -> torch.Tensor:
    key = (kinds, dtype, str(device))
    if key not in _CONSTANTS:
        _CONSTANTS[key] = torch.tensor([_GENERATORS[kind] for kind in kinds], dtype=dtype, device=device)
    return _CONSTANTS[key]


def compose_rotations(kinds: tuple[str, ...], angles: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Multiply rotation layers applied in the order ``kinds`` into one 2x2 per qubit.

    ``angles`` has shape (..., len(kinds)); the result is R_last @ ... @ R_first.
    """
    unknown = [kind for kind in kinds if kind not in _GENERATORS]
    if unknown:
        raise ValueError(f"unknown rotation {unknown[0]!r} (known: {', '.join(ROTATIONS)})")
    matrices = _rotations(tuple(kinds), angles, dtype)
    product = matrices[..., 0, :, :]
    for index in range(1, len(kinds)):
        product = matrices[..., index, :, :] @ product
    return product


def _real_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.complex128 else torch.float32
