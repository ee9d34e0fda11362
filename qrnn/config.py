"""Configuration: YAML files validated against ``config.schema.yaml``, read into dataclasses.

The schema is the single source of defaults; the dataclasses below have no defaults of
their own, so a key missing from the schema cannot silently take a value from the code.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from qrnn.errors import ConfigError

TASKS = ("copying", "mnist", "pmnist", "sentiment", "language_model", "translation")
MODELS = ("qrnn", "rnn", "lstm", "scornn")


@dataclass(frozen=True)
class TrainingConfig:
    max_steps: int
    patience: int
    min_delta: float
    batch_size: int
    optimizer: str
    learning_rate: float
    gradient_clip: float
    eval_every: int
    eval_batches: int
    eval_seed: int


@dataclass(frozen=True)
class CopyingConfig:
    blank_length: int
    n_symbols: int
    copy_length: int


@dataclass(frozen=True)
class MnistConfig:
    source: str
    order: str
    split_seed: int
    valid_fraction: float
    test_fraction: float
    max_test_examples: int

    # Keys the processed data depends on (the rest only changes training or scoring).
    data_keys = ("source", "split_seed", "valid_fraction", "test_fraction")


@dataclass(frozen=True)
class PermutedMnistConfig:
    source: str
    order: str
    split_seed: int
    valid_fraction: float
    test_fraction: float
    max_test_examples: int
    permutation_seed: int

    data_keys = ("source", "split_seed", "valid_fraction", "test_fraction", "permutation_seed")


@dataclass(frozen=True)
class SentimentConfig:
    source: str
    split_seed: int
    valid_fraction: float
    test_fraction: float
    max_length: int
    min_count: int
    max_vocab: int
    max_test_examples: int

    data_keys = ("source", "split_seed", "valid_fraction", "test_fraction", "max_length", "min_count", "max_vocab")


@dataclass(frozen=True)
class LanguageModelConfig:
    source: str
    bptt_length: int
    max_test_tokens: int

    data_keys = ("source",)


@dataclass(frozen=True)
class TranslationConfig:
    source: str
    split_seed: int
    valid_fraction: float
    test_fraction: float
    max_length: int
    min_count: int
    max_vocab: int
    max_pairs: int
    decoder_hidden_size: int
    beam_size: int
    decode_max_length: int
    max_test_examples: int
    attention_examples: int

    data_keys = ("source", "split_seed", "valid_fraction", "test_fraction", "max_length", "min_count", "max_vocab", "max_pairs")


@dataclass(frozen=True)
class ControllerConfig:
    kind: str
    depth: int
    width: int
    activation: str
    dropout: float


@dataclass(frozen=True)
class QRNNConfig:
    n_qubits: int
    n_layers: int
    embedding_dim: int
    rotations: tuple[str, ...]
    entangler: str
    readouts: tuple[str, ...]
    core: str
    encoding: str
    variational: str
    readout_feedback: bool
    controller: ControllerConfig
    dtype: str
    backend: str
    gradient: str


@dataclass(frozen=True)
class ClassicalRNNConfig:
    """Settings of the vanilla RNN and the LSTM."""

    hidden_size: int
    embedding_dim: int


@dataclass(frozen=True)
class ScoRNNConfig:
    hidden_size: int
    embedding_dim: int
    n_negative: int
    orthogonal_optimizer: str
    orthogonal_learning_rate: float


@dataclass(frozen=True)
class TuningConfig:
    """The learning-rate search (config section ``tuning``; qrnn.study.tuning)."""

    enabled: bool
    learning_rates: tuple[float, ...]
    seed: int


ModelConfig = QRNNConfig | ClassicalRNNConfig | ScoRNNConfig
TaskConfig = CopyingConfig | MnistConfig | PermutedMnistConfig | SentimentConfig | LanguageModelConfig | TranslationConfig

_MODEL_CLASSES = {
    "qrnn": QRNNConfig,
    "rnn": ClassicalRNNConfig,
    "lstm": ClassicalRNNConfig,
    "scornn": ScoRNNConfig,
}
_TASK_CLASSES = {
    "copying": CopyingConfig,
    "mnist": MnistConfig,
    "pmnist": PermutedMnistConfig,
    "sentiment": SentimentConfig,
    "language_model": LanguageModelConfig,
    "translation": TranslationConfig,
}


@dataclass(frozen=True)
class RunConfig:
    """Everything one training run depends on; its dict form is the run's config.json."""

    task: str
    model: str
    variant: str
    seed: int
    training: TrainingConfig
    task_settings: TaskConfig
    model_settings: ModelConfig

    def to_dict(self) -> dict[str, Any]:
        """JSON-native form (tuples become lists), equal to what config.json reads back as."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """The inverse of ``to_dict``: read a run's config.json back (KeyError if a key is missing)."""
        return cls(
            task=data["task"],
            model=data["model"],
            variant=data["variant"],
            seed=data["seed"],
            training=build_settings(TrainingConfig, data["training"]),
            task_settings=build_settings(_TASK_CLASSES[data["task"]], data["task_settings"]),
            model_settings=model_config(data["model"], data["model_settings"]),
        )


def load_schema() -> dict[str, Any]:
    text = resources.files("qrnn").joinpath("config.schema.yaml").read_text()
    return yaml.safe_load(text)


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` (and the target's own, in turn) replaced by the target's
    keys; keys written next to a ``$ref`` win over the target's."""
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _fill_defaults(instance: Any, schema: dict[str, Any], root: dict[str, Any]) -> None:
    schema = _resolve(schema, root)
    if not isinstance(instance, dict):
        return
    properties = schema.get("properties", {})
    for key, sub in properties.items():
        sub = _resolve(sub, root)
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub, root)
    named_by_user = schema.get("additionalProperties")
    if isinstance(named_by_user, dict):  # mappings with free keys, such as study.variants
        for key in set(instance) - set(properties):
            _fill_defaults(instance[key], named_by_user, root)


def _describe(error: jsonschema.ValidationError, path_prefix: tuple[str, ...] = ()) -> str:
    """One line naming the dotted key; ``path_prefix`` replaces the first element of the
    error's path (to name a key of a variant's overrides rather than of the merged models)."""
    path = [str(p) for p in error.absolute_path]
    if path_prefix and path:
        path = [*path_prefix, *path[1:]]
    where = ".".join(path) or "<top level>"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        return f"unknown key {where + '.' if path else ''}{extra[0]!s} (allowed here: {', '.join(allowed)})"
    return f"{where}: {error.message}"


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    """Parsed once per process: the workflow validates a document for every job of its DAG."""
    return jsonschema.Draft202012Validator(load_schema())


def _first_error(document: dict[str, Any]) -> jsonschema.ValidationError | None:
    errors = sorted(_validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return errors[0] if errors else None


def _non_finite_key(value: Any, path: tuple[str, ...] = ()) -> str | None:
    """The dotted key of the first NaN or infinite number in ``value`` (JSON Schema has no
    "finite": NaN passes every minimum and maximum, since every comparison with it is false)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ".".join(path) or "<top level>"
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        found = _non_finite_key(child, (*path, str(key)))
        if found:
            return found
    return None


def validate(raw: dict[str, Any], source: str = "<config>") -> dict[str, Any]:
    """Return a copy of ``raw`` with schema defaults filled in, or raise ConfigError."""
    schema = _validator().schema
    document = copy.deepcopy(raw) if raw is not None else {}
    if not isinstance(document, dict):
        raise ConfigError(f"{source}: the top level must be a mapping, got {type(document).__name__}")
    non_finite = _non_finite_key(document)
    if non_finite:
        raise ConfigError(f"{source}: {non_finite}: must be a finite number (NaN and infinity are not settings)")
    error = _first_error(document)
    if error is not None:
        raise ConfigError(f"{source}: {_describe(error)}")
    _fill_defaults(document, schema, schema)
    for task, section in document["tasks"].items():
        _check_merged(document, "models", section["models"], ("tasks", task, "models"), source)
        _check_merged(document, "training", section.get("training", {}), ("tasks", task, "training"), source)
    for variant, settings in document.get("study", {}).get("variants", {}).items():
        _check_variant_overrides(document, variant, settings, source)
    _check_tuning_seed(document, source)
    return document


def _check_merged(document: dict[str, Any], section: str, overrides: dict[str, Any], where: tuple[str, ...], source: str) -> None:
    """The document's ``section`` (models, training) with ``overrides`` merged in must still
    satisfy the schema; the error names the key inside the overrides (``where`` + <key path>)."""
    if not overrides:
        return
    error = _first_error({**document, section: deep_merge(document[section], overrides)})
    if error is not None:
        raise ConfigError(f"{source}: {_describe(error, path_prefix=where)}")


def task_training(document: dict[str, Any], task: str) -> dict[str, Any]:
    """The training section for the runs of ``task``: ``training`` with the task's own
    ``tasks.<task>.training`` keys laid over it."""
    return deep_merge(document["training"], document["tasks"].get(task, {}).get("training", {}))


def _check_tuning_seed(document: dict[str, Any], source: str) -> None:
    """The tuning seed must be none of the seeds of the runs it chooses a learning rate for
    (study.seeds, and ablations.seeds / scaling.seeds when those blocks run): a reported run
    that had also chosen its own learning rate would carry the luck it was chosen for."""
    tuning = document["tuning"]
    if not tuning["enabled"]:
        return
    blocks = ["study"] + [block for block in ("ablations", "scaling") if document[block]["enabled"]]
    for block in blocks:
        if tuning["seed"] in document[block]["seeds"]:
            raise ConfigError(
                f"{source}: tuning.seed {tuning['seed']} is also in {block}.seeds {document[block]['seeds']}; "
                "choose a tuning seed that no reported run uses"
            )


def _check_variant_overrides(document: dict[str, Any], variant: str, settings: dict[str, Any], source: str) -> None:
    """A study variant's overrides must name models it applies to, and the models section
    with them merged in must still satisfy the schema; the error names the key inside the
    overrides (study.variants.<variant>.overrides.<model>.<key>)."""
    check_overrides_apply(variant, settings)
    _check_merged(document, "models", settings["overrides"], ("study", "variants", variant, "overrides"), source)


def check_overrides_apply(variant: str, settings: dict[str, Any]) -> None:
    """ConfigError if a variant's ``overrides`` name a model outside its ``applies_to``."""
    for model in settings["overrides"]:
        if model not in settings["applies_to"]:
            raise ConfigError(
                f"study.variants.{variant}.overrides.{model}: overrides a model the variant does not apply to "
                f"(applies_to: {', '.join(settings['applies_to'])})"
            )


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a key given twice in one mapping is an error: PyYAML keeps
    the last one without a word (a duplicated `training:` block dropped the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigError(
                    f"{self.name}: line {key_node.start_mark.line + 1}: key {key!r} given twice "
                    f"(first at line {seen[key]}); YAML would silently keep only the last"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_yaml(data: bytes, source: str) -> Any:
    """Parse YAML bytes strictly: UTF-8 only, no duplicated keys; ConfigError names ``source`` and the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(f"{source}: line {line}: not UTF-8 text (byte {data[error.start]:#04x} at offset {error.start}); save the file as UTF-8") from None
    loader = _UniqueKeyLoader(text)
    loader.name = source
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: not valid YAML ({error.__class__.__name__}: {error})".replace("\n", " ")) from None
    finally:
        loader.dispose()


def load_config(path: str | Path) -> dict[str, Any]:
    """Read, validate and default-fill a YAML configuration file; ``-`` reads standard input."""
    if str(path) == "-":  # the workflow pipes each job the part of the config it depends on
        stream = getattr(sys.stdin, "buffer", None)  # bytes, so that the UTF-8 check is ours
        source, data = "<stdin>", stream.read() if stream is not None else sys.stdin.read().encode()
    else:
        source = str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise ConfigError(f"cannot read config file {path}: {error.strerror}") from None
    return validate(read_yaml(data, source) or {}, source=source)


def build_settings(cls: type, values: dict[str, Any]) -> Any:
    kwargs = {}
    for field in dataclasses.fields(cls):
        value = values[field.name]
        if field.name == "controller":
            value = build_settings(ControllerConfig, value)
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[field.name] = value
    return cls(**kwargs)


def model_config(model: str, values: dict[str, Any]) -> ModelConfig:
    return build_settings(_MODEL_CLASSES[model], values)


def task_config(document: dict[str, Any], task: str) -> TaskConfig:
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r} (known: {', '.join(TASKS)})")
    return build_settings(_TASK_CLASSES[task], document["tasks"][task])


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it: mappings merge key by key, anything else is replaced."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    """List the dotted keys whose values differ between two nested dicts."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            name = f"{prefix}.{key}" if prefix else str(key)
            if key not in old or key not in new:
                found.append(f"{name}: {old.get(key, '<absent>')!r} -> {new.get(key, '<absent>')!r}")
            else:
                found.extend(differences(old[key], new[key], name))
        return found
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        old, new = list(old), list(new)
    return [] if old == new else [f"{prefix}: {old!r} -> {new!r}"]
