"""The report's front page is written from the resolved config: it follows every change of
the settings it describes, and it is valid reStructuredText."""

from __future__ import annotations

import copy

import pytest
from docutils.core import publish_parts

from qrnn.config import load_config, validate
from qrnn.study.front_page import front_page
from qrnn.study.resolve import run_config


@pytest.fixture(scope="module")
def default() -> dict:
    return load_config("config/config.yaml")


def changed(document: dict, **sections) -> dict:
    raw = copy.deepcopy(document)
    for path, value in sections.items():
        *parents, last = path.split("__")
        node = raw
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return validate(raw)


def row(page: str, task: str) -> str:
    """The list-table row of ``task``: its five cells."""
    lines = page.splitlines()
    start = lines.index(f"   * - {task}")
    return "\n".join(lines[start : start + 5])


def test_every_task_model_size_and_step_count_is_the_resolved_one(default):
    page = front_page(default)
    for task in default["study"]["tasks"]:
        text = row(page, task)
        runs = {model: run_config(default, task, model, 0) for model in default["study"]["models"]}
        assert f"{runs['qrnn'].model_settings.n_qubits} qubits" in text
        for model in ("rnn", "lstm", "scornn"):
            assert f"hidden size {runs[model].model_settings.hidden_size}" in text
        assert f"{runs['qrnn'].training.max_steps:,} max steps of {runs['qrnn'].training.batch_size}" in text
    assert f"seeds {', '.join(map(str, default['study']['seeds']))}" in page


def test_the_page_follows_a_task_s_own_training_and_model_settings(default):
    document = changed(default, tasks__mnist__training={"max_steps": 777, "patience": 0, "gradient_clip": 0}, tasks__mnist__models={"qrnn": {"n_qubits": 4}})
    page = front_page(document)
    assert "777 max steps" in row(page, "mnist") and "no early stop" in row(page, "mnist") and "4 qubits" in row(page, "mnist")
    assert "no gradient clipping" in row(page, "mnist") and "clipped at 1" in row(page, "sentiment")
    assert "777 max steps" not in row(page, "copying") and "4 qubits" not in row(page, "copying")


def test_the_page_names_the_tuning_grid_or_says_there_is_none(default):
    untuned = front_page(changed(default, tuning__enabled=False))
    assert "Learning rates are not tuned" in untuned
    tuned = front_page(changed(default, tuning__enabled=True, tuning__learning_rates=[0.002, 0.02, 0.2], tuning__seed=999))
    assert "(0.002, 0.02, 0.2)" in tuned and "seed 999" in tuned and "learning rate tuned" in row(tuned, "copying")
    runs = len(changed(default, tuning__enabled=True)["study"]["tasks"]) * len(default["study"]["models"]) * 3
    assert f"and {runs} tuning runs" in tuned and "tuning runs" not in untuned


def test_the_interval_method_follows_the_seed_count(default):
    assert "with 3 seeds per model the main tables use Student-t" in front_page(changed(default, study__seeds=[0, 1, 2]))
    assert "with 12 seeds per model the main tables use BCa bootstrap" in front_page(changed(default, study__seeds=list(range(12))))


def test_translation_is_said_to_stop_on_its_held_out_loss(default):
    assert "held-out loss (lower is better)" in row(front_page(default), "translation")


def test_the_page_is_valid_restructured_text(default):
    # halt_level 2: a docutils warning (a malformed table, say) fails the test instead of rendering as an error box
    html = publish_parts(front_page(default), writer="html", settings_overrides={"halt_level": 2, "report_level": 2})["html_body"]
    assert html.count("<tr") == 1 + len(default["study"]["tasks"])  # the header and one row per task


def test_the_page_says_whether_the_baselines_are_matched(default):
    assert "within 5% (largest gap" in front_page(default)
    unmatched = front_page(changed(default, models__lstm__hidden_size=200))
    assert "Baseline sizes are NOT matched" in unmatched and "within 5%" not in unmatched
