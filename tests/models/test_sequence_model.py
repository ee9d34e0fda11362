"""Properties every model must have, whatever its core: causality and per-step shapes."""

import pytest
import torch

from qrnn.config import model_config, validate
from qrnn.models.factory import build_model

DEFAULTS = validate({})["models"]


@pytest.mark.parametrize("model", ["qrnn", "rnn", "lstm", "scornn"])
def test_outputs_depend_only_on_past_and_present_inputs(model):
    """Changing the token at step 6 changes no output before step 6, and changes later ones.

    A model that saw future tokens could solve copying memory without remembering anything.
    """
    torch.manual_seed(0)
    network = build_model(model, model_config(model, DEFAULTS[model]), vocab_size=10, n_outputs=9, per_step=True).eval()
    tokens = torch.randint(0, 10, (4, 12), generator=torch.Generator().manual_seed(1))
    changed = tokens.clone()
    changed[:, 6] = (tokens[:, 6] + 1) % 10
    with torch.no_grad():
        before, after = network(tokens), network(changed)
    assert before.shape == (4, 12, 9)
    assert torch.equal(before[:, :6], after[:, :6])
    assert (before[:, 6:] - after[:, 6:]).abs().max() > 1e-3
