"""The classical feed-forward controller that emits each step's circuit angles."""

from __future__ import annotations

from torch import nn

from qrnn.config import ControllerConfig


def build_controller(input_size: int, output_size: int, config: ControllerConfig) -> nn.Module:
    """A linear map (the paper's QRNNLinear) or an MLP with ``depth`` hidden layers.

    With ``activation: glu`` each hidden layer is a Linear to 2 * width followed by a
    gated linear unit, so the hidden width stays ``width``.
    """
    if config.kind == "linear":
        return nn.Linear(input_size, output_size)
    layers: list[nn.Module] = []
    width_in = input_size
    for _ in range(config.depth):
        if config.activation == "glu":
            layers += [nn.Linear(width_in, 2 * config.width), nn.GLU(dim=-1)]
        else:
            layers += [nn.Linear(width_in, config.width), nn.ReLU() if config.activation == "relu" else nn.GELU()]
        if config.dropout > 0:
            layers.append(nn.Dropout(config.dropout))
        width_in = config.width
    layers.append(nn.Linear(width_in, output_size))
    return nn.Sequential(*layers)
