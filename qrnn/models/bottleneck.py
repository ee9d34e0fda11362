"""The readout-bottleneck control: the quantum RNN with its quantum state taken away.

The quantum RNN's classical side only ever sees the readout vector z_t (len(readouts) x n
values in [-1, 1]); the 2**n amplitudes of |psi_t> are a memory it cannot read directly.
This core keeps everything classical about that model and removes the state vector:

    a_t = controller([x_t; h_{t-1}])        the same controller, same input and output widths
    h_t = tanh(W a_t + b)                   h_t has exactly the readout width

So h_t plays z_t's part (same width, same range, fed back to the controller, read by the
head), and the learned map a_t -> h_t replaces the circuit a_t, psi_{t-1} -> z_t. Of the
two simplest choices this is the one that keeps the controller identical (in
architecture and parameter count) to the quantum model's: emitting h_t straight from the
controller would change its last layer. The one thing removed is the state carried from
step to step beyond the readouts, so a gap between this core and the quantum RNN is what
the quantum state adds beyond the readout width. The affine map adds
readout_width x (angles + 1) classical parameters that the circuit does not have; the
ablation table reports both counts.

Settings that only shape the circuit (rotations and entangler, backend, gradient, dtype)
have no effect here except through the number of controller outputs, the number of
controller-driven angles of the same circuit.
"""

from __future__ import annotations

import torch
from torch import nn

from qrnn.config import QRNNConfig
from qrnn.models.base import RecurrentCore
from qrnn.models.controller import build_controller


def controlled_angle_count(config: QRNNConfig) -> int:
    """Angles per step that the controller emits for the circuit of ``config``."""
    encoding = config.n_qubits if config.encoding == "controller" else 0
    variational = config.n_layers * config.n_qubits * len(config.rotations) if config.variational == "controller" else 0
    return encoding + variational


class ClassicalBottleneck(RecurrentCore):
    """h_t = tanh(W controller([x_t; h_{t-1}]) + b), with h of the readout width len(readouts) x n."""

    def __init__(self, input_size: int, config: QRNNConfig):
        super().__init__()
        if config.variational in ("static", "frozen"):
            raise ValueError(
                f"core classical_bottleneck has no circuit, so variational: {config.variational} has nothing to set; "
                "use controller or none (they set the controller's output width)"
            )
        self.config = config
        self.output_size = len(config.readouts) * config.n_qubits
        self.n_angles = controlled_angle_count(config)
        if self.n_angles == 0:
            raise ValueError("core classical_bottleneck: the controller would emit no angles (encoding none and variational none)")
        controller_inputs = input_size + (self.output_size if config.readout_feedback else 0)
        self.controller = build_controller(controller_inputs, self.n_angles, config.controller)
        self.to_hidden = nn.Linear(self.n_angles, self.output_size)

    def initial_hidden(self, batch: int, device) -> torch.Tensor:
        """h_0: the readouts of |0...0> (<X> = <Y> = 0, <Z> = 1), the quantum RNN's z_0."""
        values = {"x": 0.0, "y": 0.0, "z": 1.0}
        row = torch.tensor([values[p] for p in self.config.readouts for _ in range(self.config.n_qubits)], device=device)
        return row.expand(batch, -1)

    def forward_with_state(self, inputs: torch.Tensor, initial_state=None):
        """State: h (batch, readout width), as the quantum RNN carries z_t."""
        batch, steps, _ = inputs.shape
        hidden = self.initial_hidden(batch, inputs.device).to(inputs.dtype) if initial_state is None else initial_state
        outputs = []
        for t in range(steps):
            features = torch.cat([inputs[:, t], hidden], dim=1) if self.config.readout_feedback else inputs[:, t]
            hidden = torch.tanh(self.to_hidden(self.controller(features)))
            outputs.append(hidden)
        return torch.stack(outputs, dim=1), hidden
