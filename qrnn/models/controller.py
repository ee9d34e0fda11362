"""The classical feed-forward controller that emits each step's circuit angles."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from qrnn.config import ControllerConfig
from qrnn.quantum.reversible_sequence import Tape

# The ATen backward functions of ReLU, GELU and GLU, as their overloads: a call through the
# overload packet (torch.ops.aten.threshold_backward) first resolves the overload, each call.
_THRESHOLD_BACKWARD = torch.ops.aten.threshold_backward.default
_GELU_BACKWARD = torch.ops.aten.gelu_backward.default
_GLU_BACKWARD = torch.ops.aten.glu_backward.default


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


class ControllerTape(Tape):
    """The controller run by hand over a sequence, keeping what its backward needs, with
    that backward written out: a sequence-level autograd function (qrnn/quantum/reversible_sequence.py)
    calls ``step`` once per time step under no_grad, then ``backward`` for every step in
    reverse order, then ``parameter_gradients`` once. Against one autograd graph per step
    this saves the graph's per-operation bookkeeping (it costs more than the arithmetic of
    a 64-wide MLP at batch 64), and the weights' gradients become one matrix product per
    layer over all T x B rows instead of T small ones.

    Serves the controllers ``build_controller`` makes: Linear, ReLU, GELU and GLU layers,
    and Dropout while it is the identity (evaluation mode or p = 0); ``supports`` says
    whether a module is one. The forward runs the same functions as the modules, so its
    values are bit for bit those of ``controller(features)``.
    """

    def __init__(self, controller: nn.Module):
        if not self.supports(controller):
            raise ValueError(f"ControllerTape cannot run {controller}")
        self.layers = [layer for layer in _layers(controller) if not isinstance(layer, nn.Dropout)]
        self.parameters = [p for layer in self.layers if isinstance(layer, nn.Linear) for p in (layer.weight, layer.bias) if p is not None]
        # Per layer (its type, weight, bias, GELU's approximation or GLU's dim), read off the
        # modules once: a module's attribute costs a Python-level look-up each time.
        self.operations = [
            (type(layer), getattr(layer, "weight", None), getattr(layer, "bias", None), getattr(layer, "approximate", getattr(layer, "dim", None)))
            for layer in self.layers
        ]
        self.inputs: list[list[torch.Tensor]] = []  # per step, the input of every layer
        self.output_grads: list[list[torch.Tensor]] = [[] for _ in self.layers]  # per Linear, dL/d its output, last step first

    @staticmethod
    def supports(controller: nn.Module) -> bool:
        for layer in _layers(controller):
            if isinstance(layer, nn.Dropout):
                if layer.training and layer.p > 0:  # a random mask per step: left to autograd
                    return False
            elif type(layer) not in (nn.Linear, nn.ReLU, nn.GELU, nn.GLU):
                return False
        return True

    def step(self, features: torch.Tensor) -> torch.Tensor:
        """The controller's output for one step's features, its layers' inputs kept."""
        kept = []
        for kind, weight, bias, setting in self.operations:
            kept.append(features)
            if kind is nn.Linear:
                features = functional.linear(features, weight, bias)
            elif kind is nn.ReLU:
                features = functional.relu(features)
            elif kind is nn.GELU:
                features = functional.gelu(features, approximate=setting)
            else:
                features = functional.glu(features, setting)
        self.inputs.append(kept)
        return features

    def backward(self, t: int, grad: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """dL/d step t's features from dL/d its output (steps in reverse order, each once),
        written into ``out`` if given."""
        kept = self.inputs[t]
        for index in range(len(self.operations) - 1, -1, -1):
            kind, weight, _, setting = self.operations[index]
            if kind is nn.Linear:
                self.output_grads[index].append(grad)
                grad = torch.mm(grad, weight, out=out) if index == 0 and out is not None else torch.mm(grad, weight)
            elif kind is nn.ReLU:
                grad = _THRESHOLD_BACKWARD(grad, kept[index], 0)
            elif kind is nn.GELU:
                grad = _GELU_BACKWARD(grad, kept[index], approximate=setting)
            else:
                grad = _GLU_BACKWARD(grad, kept[index], setting)
        if out is not None and grad is not out:
            out.copy_(grad)
        return grad

    def parameter_gradients(self) -> list[torch.Tensor]:
        """dL/d ``parameters`` (in their order), summed over every step run backward."""
        grads = []
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, nn.Linear):
                continue
            # output_grads run from the last step to the first; inputs from the first.
            output_grad = torch.cat(self.output_grads[index][::-1])
            layer_input = torch.cat([kept[index] for kept in self.inputs])
            grads.append(output_grad.T @ layer_input)
            if layer.bias is not None:
                grads.append(output_grad.sum(0))
        return grads


def _layers(controller: nn.Module) -> list[nn.Module]:
    return list(controller) if isinstance(controller, nn.Sequential) else [controller]
