"""The workflow validates its config with the library's schema file itself, through a symlink."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from snakemake.utils import validate as snakemake_validate

from qrnn.config import validate

REPOSITORY = Path(__file__).resolve().parents[2]
WORKFLOW_SCHEMA = REPOSITORY / "workflow" / "schemas" / "config.schema.yaml"
pytestmark = pytest.mark.workflow


def test_workflow_schema_is_a_relative_symlink_to_the_library_schema():
    assert WORKFLOW_SCHEMA.is_symlink()
    assert os.readlink(WORKFLOW_SCHEMA) == "../../qrnn/config.schema.yaml"
    assert WORKFLOW_SCHEMA.resolve() == (REPOSITORY / "qrnn" / "config.schema.yaml").resolve()


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"study": {"variants": {"default": {}, "encoding_only": {"applies_to": ["qrnn"], "overrides": {"qrnn": {"variational": "none"}}}}}},
        {"models": {"rnn": {"hidden_size": 3}}, "resources": {"train": {"gpus": 1}}},
        {"models": {"scornn": {"hidden_size": "matched"}}, "tasks": {"mnist": {"models": {"lstm": {"hidden_size": "matched"}}}}},
    ],
)
def test_snakemake_fills_the_same_defaults_as_the_library(raw):
    """Snakemake's default filling (set_default=True) reaches through $ref and free-named
    mappings (study.variants) just as the library's does."""
    config = copy.deepcopy(raw)
    snakemake_validate(config, str(WORKFLOW_SCHEMA), set_default=True)
    assert config == validate(raw)


def test_snakemake_names_a_misspelled_key():
    with pytest.raises(Exception) as error:
        snakemake_validate({"models": {"qrnn": {"n_qbits": 3}}}, str(WORKFLOW_SCHEMA), set_default=True)
    message = str(error.value) + "".join(str(argument) for argument in getattr(error.value, "args", ()))
    assert "'n_qbits' was unexpected" in message
