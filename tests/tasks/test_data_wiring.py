"""How the real-data tasks reach their data: the config part each data folder depends on,
the dispatch to the data modules, and the processed-folder reader's hash checks."""

from __future__ import annotations

import inspect

import pytest

from qrnn.config import deep_merge, validate
from qrnn.data.prepare import PREPARE_FUNCTIONS, prepare_settings
from qrnn.data.processed_files import load_processed
from qrnn.errors import QrnnError
from qrnn.study.runs import curve_reference, data_document
from tests.tasks.synthetic_data import write_sentiment

DOCUMENT = validate({"study": {"tasks": ["copying", "mnist", "pmnist", "sentiment", "language_model", "translation"]}})


def test_data_document_holds_the_data_keys_only():
    assert data_document(DOCUMENT, "pmnist") == {"tasks": {"pmnist": {
        "source": "offline", "split_seed": 0, "valid_fraction": 0.1, "test_fraction": 0.2, "permutation_seed": 92916}}}
    before = data_document(DOCUMENT, "translation")
    for change in ({"beam_size": 9}, {"training": {"max_steps": 3}}, {"decoder_hidden_size": 5}, {"max_test_examples": 7}):
        assert data_document(validate(deep_merge(DOCUMENT, {"tasks": {"translation": change}})), "translation") == before
    assert data_document(validate(deep_merge(DOCUMENT, {"tasks": {"translation": {"max_pairs": 5}}})), "translation") != before
    assert validate(data_document(DOCUMENT, "language_model"))["tasks"]["language_model"]["source"] == "offline"


def test_prepare_settings_are_the_keyword_arguments_of_the_contract():
    assert prepare_settings(DOCUMENT, "language_model") == {"source": "offline"}
    assert set(prepare_settings(DOCUMENT, "sentiment")) == {"source", "split_seed", "valid_fraction", "test_fraction", "max_length", "min_count", "max_vocab"}


@pytest.mark.parametrize("task", ["mnist", "pmnist", "sentiment", "language_model", "translation"])
def test_the_data_modules_take_the_settings_the_dispatch_passes(task):
    module_name, function_name = PREPARE_FUNCTIONS[task]
    module = pytest.importorskip(module_name, reason=f"{module_name} is written by the data helper on its own branch")
    parameters = inspect.signature(getattr(module, function_name)).parameters
    assert set(prepare_settings(DOCUMENT, task)) | {"download_dir", "progress"} <= set(parameters)


def test_learning_curve_references():
    assert curve_reference(DOCUMENT, "mnist") == (pytest.approx(2.302585, rel=1e-6), "uniform guess")
    assert curve_reference(DOCUMENT, "sentiment")[0] == pytest.approx(0.693147, rel=1e-6)
    assert curve_reference(DOCUMENT, "copying")[1] == "memoryless baseline"
    assert curve_reference(DOCUMENT, "translation") is None and curve_reference(DOCUMENT, "language_model") is None


def test_a_changed_data_file_is_refused_naming_it(tmp_path):
    write_sentiment(tmp_path)
    load_processed(tmp_path)
    (tmp_path / "valid.pt").write_bytes(b"truncated")
    with pytest.raises(QrnnError, match=f"{tmp_path / 'valid.pt'} does not match its sha256"):
        load_processed(tmp_path)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(QrnnError, match="qrnn prepare-data"):
        load_processed(tmp_path)
