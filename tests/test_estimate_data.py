"""The data `qrnn estimate` times on: the config's own data settings, offline stand-ins only on request."""

import json
from types import SimpleNamespace

import pytest
import torch

from qrnn.config import validate
from qrnn.data import sources
from qrnn.data.prepare import prepare_settings
from qrnn.errors import QrnnError
from qrnn.study import estimate as estimate_module
from qrnn.study import estimate_data
from qrnn.study.estimate import estimate, format_estimate
from qrnn.study.estimate_data import EstimateData, pad_to_full_shapes, same_settings
from qrnn.study.step_timing import StepTiming

MNIST = {
    "study": {"tasks": ["mnist"], "models": ["rnn"], "seeds": [0], "test_sequences": 100},
    "training": {"max_steps": 100, "eval_every": 50, "eval_batches": 1, "batch_size": 10},
    "tasks": {"mnist": {"source": "offline", "order": "pixel"}},
    "models": {"rnn": {"hidden_size": 4, "embedding_dim": 4}},
    "resources": {"train": {"cpus": 1, "gpus": 0}},
}


def mnist_document(source):
    return validate({**MNIST, "tasks": {"mnist": {"source": source, "order": "pixel"}}})


def write_manifest(folder, task, settings):
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"task": task, "settings": settings}))


def test_a_folder_counts_as_the_study_data_only_when_its_manifest_records_the_same_settings(tmp_path):
    settings = prepare_settings(mnist_document("offline"), "mnist")
    write_manifest(tmp_path / "same", "mnist", settings)
    write_manifest(tmp_path / "other", "mnist", {**settings, "split_seed": settings["split_seed"] + 1})
    write_manifest(tmp_path / "pmnist", "pmnist", settings)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text(json.dumps({"task": "mnist"}))  # records no settings
    assert same_settings(tmp_path / "same", "mnist", settings)
    assert not same_settings(tmp_path / "other", "mnist", settings)
    assert not same_settings(tmp_path / "pmnist", "mnist", settings)
    assert not same_settings(tmp_path / "old", "mnist", settings)
    assert not same_settings(tmp_path / "absent", "mnist", settings)


@pytest.fixture
def prepared(monkeypatch, tmp_path):
    """Record preparations instead of writing data; run in a scratch folder with its own data/."""
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(estimate_data, "prepare_task_data", lambda document, task, folder, *rest: calls.append((task, folder)))
    return calls


def test_data_prepared_with_other_settings_is_not_reused(prepared, tmp_path):
    document = mnist_document("offline")
    write_manifest(tmp_path / "data" / "mnist", "mnist", {**prepare_settings(document, "mnist"), "split_seed": 99})
    with EstimateData(document, progress=False) as data:
        found = data.for_task("mnist")
        assert found.folder != tmp_path / "data" / "mnist" and prepared == [("mnist", found.folder)]
        assert not found.offline_stand_in and found.note is None
    assert not found.folder.parent.exists()  # the temporary preparation is removed


def test_data_prepared_with_the_same_settings_is_reused(prepared):
    document = mnist_document("offline")
    write_manifest(estimate_data.Path("data/mnist"), "mnist", prepare_settings(document, "mnist"))
    with EstimateData(document, progress=False) as data:
        assert data.for_task("mnist").folder == estimate_data.Path("data/mnist") and prepared == []


def no_network(dataset, download_dir, progress=True):
    raise QrnnError(f"could not download the files of {dataset} (ConnectionError)")


def test_a_failing_download_without_the_option_is_a_one_line_error_naming_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sources, "fetch_all", no_network)
    with pytest.raises(QrnnError, match=r"full data of mnist .*rerun with --offline-data") as error:
        estimate(mnist_document("full"), progress=False)
    assert "\n" not in str(error.value)


def test_the_offline_option_times_the_offline_source_and_marks_the_rows(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sources, "fetch_all", no_network)
    monkeypatch.setattr(estimate_module, "start_up_seconds", lambda: 1.0)
    sources_timed = []
    monkeypatch.setattr(estimate_module, "time_run", lambda run, data, steps, clock: sources_timed.append(data.source) or StepTiming(0.1, 0.01, (10,), False))
    result = estimate(mnist_document("full"), progress=False, offline_data=True)
    assert sources_timed == ["offline"]
    (row,) = result["runs"]
    assert row["data_source"] == "offline" and "784 pixels" in row["data_note"]
    assert result["offline_stand_ins"] == {"mnist": row["data_note"]}
    text = format_estimate(result)
    assert "o: mnist (configured source: full" in text and text.splitlines()[4].endswith("  o")


def test_the_offline_sentiment_stand_in_is_padded_to_the_configured_length_and_vocabulary():
    split = {"tokens": torch.zeros(3, 200, dtype=torch.int64), "lengths": torch.tensor([5, 12, 30]), "labels": torch.zeros(3)}
    task = SimpleNamespace(split=lambda name: split, vocab_size=9000)
    pad_to_full_shapes("sentiment", task, {"max_length": 200, "max_vocab": 20000})
    assert split["lengths"].tolist() == [200, 200, 200] and task.vocab_size == 20000
