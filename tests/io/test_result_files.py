"""Result files with the wrong structure are refused where they are read, naming the file
and what is wrong: the key, the type, the line."""

from __future__ import annotations

import json

import pytest

from qrnn.errors import QrnnError
from qrnn.io.provenance import audit_number
from qrnn.io.result_files import read_history, read_result_json

EVALUATION = {
    "task": "copying", "model": "rnn", "variant": "default", "seed": 0, "metrics": {"loss": 1.0},
    "units": {"loss": "nats"}, "trainable_parameters": {"total": 10},
}
HISTORY_HEADER = "step,train_loss,eval_loss,wall_time_s\n"


def assert_refused_naming_the_file(read, path, content: str, message: str) -> None:
    """``read(path)`` of a file holding ``content`` raises a QrnnError that starts with the path and says ``message``."""
    path.write_text(content)
    with pytest.raises(QrnnError) as error:
        read(path)
    assert str(error.value).startswith(str(path)) and message in str(error.value)


@pytest.mark.parametrize(
    "content,message",
    [
        ("[]", "holds an array, not a JSON object"),
        ("3", "holds an integer, not a JSON object"),
        ("{}", "has no key 'task'"),
        (json.dumps({key: value for key, value in EVALUATION.items() if key != "metrics"}), "has no key 'metrics'"),
        (json.dumps({**EVALUATION, "metrics": [1.0]}), "'metrics' holds an array, expected an object"),
        (json.dumps({**EVALUATION, "seed": "0"}), "'seed' holds a string, expected an integer"),
        (json.dumps({**EVALUATION, "seed": True}), "'seed' holds true or false, expected an integer"),
        ('{"task": ', "is not valid JSON (Expecting value, line 1)"),
    ],
)
def test_a_malformed_evaluation_is_refused_naming_the_file_and_key(tmp_path, content, message):
    assert_refused_naming_the_file(read_result_json, tmp_path / "evaluation.json", content, message)


def test_a_well_formed_evaluation_and_other_files_are_read(tmp_path):
    (tmp_path / "evaluation.json").write_text(json.dumps(EVALUATION))
    assert read_result_json(tmp_path / "evaluation.json") == EVALUATION
    (tmp_path / "metrics.json").write_text("{}")  # no keys required of files of other names
    assert read_result_json(tmp_path / "metrics.json") == {}
    with pytest.raises(QrnnError, match=r"metrics.json has no key 'wall_time_s'"):
        read_result_json(tmp_path / "metrics.json", {"wall_time_s": (int, float)})


def test_a_missing_or_binary_result_file_is_named(tmp_path):
    with pytest.raises(QrnnError, match=rf"^missing result file {tmp_path / 'evaluation.json'}$"):
        read_result_json(tmp_path / "evaluation.json")
    (tmp_path / "evaluation.json").write_bytes(b"\x80\x81{}")
    with pytest.raises(QrnnError, match=rf"^{tmp_path / 'evaluation.json'} is not UTF-8 text \(byte 0\)$"):
        read_result_json(tmp_path / "evaluation.json")


@pytest.mark.parametrize(
    "content,message",
    [
        ("", "is empty: not a training history"),
        ("garbage\nmore garbage,x\n", "is not a training history: no column 'step' (its first line: 'garbage')"),
        ("step,eval_loss\n1,2\n", "no column 'train_loss'"),
        (HISTORY_HEADER, "has a header but no rows"),
        (HISTORY_HEADER + "10,1.5,1.0,2.0\n20,oops,1.0,2.0\n", "line 3: train_loss is 'oops', not a number"),
        (HISTORY_HEADER + "10.5,1.5,1.0,2.0\n", "line 2: step is '10.5', not a step number"),
        (HISTORY_HEADER + "10,1.5,1.0\n", "line 2 has fewer fields than its header (4)"),
        (HISTORY_HEADER + "10,1.5,1.0,2.0,7\n", "line 2 has more fields than its header (4)"),
    ],
)
def test_a_malformed_history_is_refused_naming_the_file_and_line(tmp_path, content, message):
    assert_refused_naming_the_file(read_history, tmp_path / "history.csv", content, message)


def test_a_history_is_read_with_diverged_values(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(HISTORY_HEADER + "10,1.5,1.0,2.0\n20,nan,inf,3.0\n")
    assert read_history(path) == [
        {"step": "10", "train_loss": "1.5", "eval_loss": "1.0", "wall_time_s": "2.0"},
        {"step": "20", "train_loss": "nan", "eval_loss": "inf", "wall_time_s": "3.0"},
    ]


def provenance(rows, groups=None) -> dict:
    return {"format": 1, "table": "copying_main", "rows": rows, "groups": groups if groups is not None else {"rnn": []}}


@pytest.mark.parametrize(
    "document,message",
    [
        ({"format": 1, "table": "copying_main"}, "has no key 'rows'"),
        ([], "holds an array, not a JSON object"),
        (provenance([]), "'rows' holds an array, expected an object"),
        (provenance({"rnn": "mean"}), "'rnn' holds a string, expected an object"),
        (provenance({"rnn": {"mean": 1.0}}), "'mean' holds a number, expected an object"),
        (provenance({"rnn": {"mean": {"value": 1.0}}}), "has no key 'groups'"),
        (provenance({"rnn": {"mean": {"value": 1.0, "groups": ["lstm"]}}}), "has no key 'lstm'"),
    ],
)
def test_a_malformed_provenance_file_is_refused_naming_it(tmp_path, document, message):
    path = tmp_path / "copying_main.provenance.json"
    path.write_text(json.dumps(document))
    with pytest.raises(QrnnError) as error:
        audit_number("copying_main", "rnn", "mean", tmp_path)
    assert str(error.value).startswith(str(path)) and message in str(error.value)


def test_a_well_formed_provenance_cell_is_audited(tmp_path):
    runs = [{"folder": "runs/rnn/0", "seed": 0}]
    (tmp_path / "copying_main.provenance.json").write_text(json.dumps(provenance({"rnn": {"mean": {"value": 1.5, "groups": ["rnn"]}}}, {"rnn": runs})))
    assert audit_number("copying_main", "rnn", "mean", tmp_path) == {"table": "copying_main", "row": "rnn", "column": "mean", "value": 1.5, "runs": {"rnn": runs}}
