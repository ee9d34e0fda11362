"""Single-qubit rotation matrices, batched over any leading dimensions.

R_P(theta) = exp(-i theta P / 2) for P in {X, Y, Z}, the convention of Qiskit, PennyLane
and TorchQuantum.
"""

from __future__ import annotations

import torch

ROTATIONS = ("rx", "ry", "rz")


def rotation_matrices(kind: str, angles: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Return the 2x2 matrices of rotations ``kind`` at ``angles``: shape (*angles.shape, 2, 2)."""
    half = angles.to(_real_dtype(dtype)) / 2
    cos, sin = torch.cos(half), torch.sin(half)
    zero = torch.zeros_like(cos)
    if kind == "ry":
        real = torch.stack([cos, -sin, sin, cos], dim=-1)
        return torch.complex(real, torch.zeros_like(real)).reshape(*angles.shape, 2, 2)
    if kind == "rx":
        real = torch.stack([cos, zero, zero, cos], dim=-1)
        imag = torch.stack([zero, -sin, -sin, zero], dim=-1)
        return torch.complex(real, imag).reshape(*angles.shape, 2, 2)
    if kind == "rz":
        real = torch.stack([cos, zero, zero, cos], dim=-1)
        imag = torch.stack([-sin, zero, zero, sin], dim=-1)
        return torch.complex(real, imag).reshape(*angles.shape, 2, 2)
    raise ValueError(f"unknown rotation {kind!r} (known: {', '.join(ROTATIONS)})")


def compose_rotations(kinds: tuple[str, ...], angles: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Multiply rotation layers applied in the order ``kinds`` into one 2x2 per qubit.

    ``angles`` has shape (..., len(kinds)); the result is R_last @ ... @ R_first.
    """
    product = rotation_matrices(kinds[0], angles[..., 0], dtype)
    for index, kind in enumerate(kinds[1:], start=1):
        product = rotation_matrices(kind, angles[..., index], dtype) @ product
    return product


def _real_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.complex128 else torch.float32
