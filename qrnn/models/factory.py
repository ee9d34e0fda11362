"""Build any model from its config section, and count its parameters."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from qrnn.config import ClassicalRNNConfig, ModelConfig, QRNNConfig, ScoRNNConfig
from qrnn.errors import ConfigError
from qrnn.models.base import RecurrentCore
from qrnn.models.bottleneck import ClassicalBottleneck
from qrnn.models.lstm import LSTM
from qrnn.models.parameters import count_trainable_parameters, matched_hidden_size

MAX_HIDDEN_SIZE = 1 << 14  # the largest hidden size a parameter match considers
from qrnn.models.qrnn import QuantumRNN
from qrnn.models.rnn import VanillaRNN
from qrnn.models.scornn import ScoRNN
from qrnn.models.sequence_model import SequenceModel
from qrnn.models.translation import Seq2Seq


def build_core(model: str, settings: ModelConfig, input_size: int) -> RecurrentCore:
    if model == "qrnn":
        assert isinstance(settings, QRNNConfig)
        if settings.core == "classical_bottleneck":  # the ablation control without a quantum state
            return ClassicalBottleneck(input_size, settings)
        return QuantumRNN(input_size, settings)
    if model == "rnn":
        assert isinstance(settings, ClassicalRNNConfig)
        return VanillaRNN(input_size, settings)
    if model == "lstm":
        assert isinstance(settings, ClassicalRNNConfig)
        return LSTM(input_size, settings)
    if model == "scornn":
        assert isinstance(settings, ScoRNNConfig)
        return ScoRNN(input_size, settings)
    raise ValueError(f"unknown model {model!r}")


def build_model(
    model: str, settings: ModelConfig, vocab_size: int, n_outputs: int, per_step: bool, input_size: int | None = None
) -> SequenceModel:
    """``input_size`` given: real-valued inputs of that width (a linear input layer), not tokens."""
    return SequenceModel(vocab_size, settings.embedding_dim, checked_core(model, settings), n_outputs, per_step, input_size)


def checked_core(model: str, settings: ModelConfig) -> RecurrentCore:
    """The core of ``model`` over inputs of width embedding_dim, or ConfigError."""
    try:
        return build_core(model, settings, settings.embedding_dim)
    except ValueError as error:  # inconsistent settings that the schema alone cannot express
        raise ConfigError(f"models.{model}: {error}") from None


def parameter_counts(model: SequenceModel | Seq2Seq) -> dict[str, int]:
    """Trainable parameters, split into circuit angles that are parameters (quantum) and the
    rest (classical); ``recurrent``: the core's alone (the quantum RNN's controller and
    circuit angles, a baseline's cell), the part matched in size across models of a task."""
    quantum_parameters = getattr(model.core, "quantum_parameters", lambda: [])()
    quantum = sum(p.numel() for p in quantum_parameters if p.requires_grad)
    total = count_trainable_parameters(model)
    return {"total": total, "classical": total - quantum, "quantum": quantum, "recurrent": count_trainable_parameters(model.core)}


def recurrent_parameter_count(model: str, settings: ModelConfig) -> int:
    """Trainable parameters of the core of ``model`` alone, built on PyTorch's meta device (no
    memory used). The core reads the embedding (width embedding_dim), so no vocabulary or
    other data is needed: ``parameter_counts(...)["recurrent"]`` of any model built from ``settings``."""
    with torch.device("meta"):
        return count_trainable_parameters(checked_core(model, settings))


def orthogonal_and_other_parameters(model: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """Split parameters into those with their own optimizer (scoRNN's A) and the rest."""
    orthogonal = list(model.orthogonal_parameters())
    ids = {id(p) for p in orthogonal}
    return orthogonal, [p for p in model.parameters() if p.requires_grad and id(p) not in ids]


def matched_baseline_settings(
    model: str, settings: ModelConfig, target: int, vocab_size: int, n_outputs: int, per_step: bool
) -> ModelConfig:
    """``settings`` of baseline ``model`` resized so that the whole model (embedding, core,
    head) has closest to ``target`` trainable parameters, within 5% or ValueError.

    Use ``target = parameter_counts(quantum_model)["total"]`` for comparisons at matched
    parameter counts. Candidates are built on PyTorch's meta device: no memory is used.
    """
    return _matched(model, settings, target, lambda candidate: count_trainable_parameters(build_model(model, candidate, vocab_size, n_outputs, per_step)))


def matched_recurrent_settings(model: str, settings: ModelConfig, target: int) -> ModelConfig:
    """``settings`` of baseline ``model`` resized so that its core alone (the recurrent cell)
    has closest to ``target`` trainable parameters, within 5% or ValueError. Use
    ``target = recurrent_parameter_count("qrnn", quantum_settings)``."""
    return _matched(model, settings, target, lambda candidate: count_trainable_parameters(checked_core(model, candidate)))


def _matched(model: str, settings: ModelConfig, target: int, count_of) -> ModelConfig:
    """``settings`` at the hidden size whose ``count_of(resized settings)`` is closest to ``target``."""
    if model == "qrnn":
        raise ValueError("only the classical baselines (rnn, lstm, scornn) have a hidden size to match")

    def count(hidden: int) -> int:
        with torch.device("meta"):  # candidates use no memory
            return count_of(resized(settings, hidden))

    largest = 1
    while count(largest) < target and largest < MAX_HIDDEN_SIZE:  # bound the search by doubling,
        largest *= 2  # so that no candidate is much larger than the match
    return resized(settings, matched_hidden_size(count, target, largest=largest))


def resized(settings: ModelConfig, hidden: int) -> ModelConfig:
    """``settings`` at another hidden size; scoRNN keeps its share of -1 entries in D."""
    fields = {"hidden_size": hidden}
    if isinstance(settings, ScoRNNConfig):
        fields["n_negative"] = round(settings.n_negative / settings.hidden_size * hidden)
    return dataclasses.replace(settings, **fields)


def build_task_model(model: str, settings: ModelConfig, task) -> nn.Module:
    """The model ``task`` trains: a SequenceModel of the task's sizes, or for translation
    (``task.model_kind == "seq2seq"``) an encoder-decoder around the configured core."""
    if getattr(task, "model_kind", "sequence") == "seq2seq":
        return Seq2Seq(checked_core(model, settings), settings.embedding_dim, task.source_vocab_size, task.target_vocab_size, task.config.decoder_hidden_size)
    return build_model(model, settings, task.vocab_size, task.n_outputs, task.per_step, getattr(task, "input_size", None))
