"""Equal-budget learning-rate selection: the tuning section, choosing by the validation
metric, applying the choice with `qrnn train --hyperparameters`, its tables, and a tuning
run killed mid-training resuming to the same choice."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml

from qrnn.cli.main import main
from qrnn.config import load_config, validate
from qrnn.errors import ConfigError, QrnnError
from qrnn.study.estimate import job_count
from qrnn.study.resolve import run_config
from qrnn.study.runs import study_runs
from qrnn.study.tuning import candidate_document, candidate_learning_rate, candidate_name, choice_path, tuned_pairs, tuning_runs
from qrnn.study.tuning_selection import select_learning_rate, write_choice
from qrnn.tables.main import write_main_table
from qrnn.tables.tuning import write_tuning_table
from qrnn.training.loop import train
from tests.interrupt import sigkill_after_evaluations
from tests.test_tables import make_run
from tests.test_train import SMALL, history_without_timings, run_cli, write_config

TRAINING = {"max_steps": 30, "patience": 0, "min_delta": 0.0, "batch_size": 8, "optimizer": "adam", "learning_rate": 0.001, "gradient_clip": 1.0, "eval_every": 10, "eval_batches": 2, "eval_seed": 1234}


def candidate(root: Path, learning_rate: float, values: list[float], metric: str = "loss", task: str = "copying", model: str = "lstm", **metrics) -> Path:
    """A finished tuning run's folder: config.json, metrics.json and a history of ``values`` of eval_<metric>."""
    folder = root / candidate_name(learning_rate)
    folder.mkdir(parents=True)
    config = {"task": task, "model": model, "variant": "default", "seed": 1000, "training": {**TRAINING, "learning_rate": learning_rate}, "model_settings": {"hidden_size": 8}}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "metrics.json").write_text(json.dumps({"steps": 10 * len(values), **metrics}))
    rows = [f"{10 * (index + 1)},1.0,{value}" for index, value in enumerate(values)]
    (folder / "history.csv").write_text("\n".join([f"step,train_loss,eval_{metric}", *rows]) + "\n")
    return folder


def test_the_lowest_loss_wins_and_the_record_holds_grid_budget_seed_and_metric(tmp_path):
    folders = [candidate(tmp_path, 0.01, [0.9, 0.5, 0.6]), candidate(tmp_path, 0.001, [0.9, 0.8, 0.7]), candidate(tmp_path, 0.1, [0.4, 0.55, 0.9])]
    record = select_learning_rate("copying", "lstm", folders)
    assert (record["learning_rate"], record["validation"], record["metric"], record["better"]) == (0.1, 0.4, "loss", "lower")
    assert record["learning_rates"] == [0.001, 0.01, 0.1]
    assert [(c["learning_rate"], c["validation"], c["best_step"], c["steps"]) for c in record["candidates"]] == [(0.001, 0.7, 30, 30), (0.01, 0.5, 20, 30), (0.1, 0.4, 10, 30)]
    assert record["budget"] == {"candidates": 3, "max_steps": 30, "steps": 90}
    assert record["seed"] == 1000


def test_the_highest_accuracy_wins_on_a_task_where_higher_is_better(tmp_path):
    folders = [candidate(tmp_path, rate, values, metric="accuracy", task="mnist") for rate, values in ((0.001, [0.5, 0.8]), (0.01, [0.9, 0.6]), (0.1, [0.1, 0.2]))]
    record = select_learning_rate("mnist", "lstm", folders)
    assert (record["learning_rate"], record["validation"], record["better"]) == (0.01, 0.9, "higher")


def test_a_tie_goes_to_the_smaller_learning_rate(tmp_path):
    folders = [candidate(tmp_path, 0.03, [0.5]), candidate(tmp_path, 0.003, [0.5]), candidate(tmp_path, 0.3, [0.6])]
    assert select_learning_rate("copying", "lstm", folders)["learning_rate"] == 0.003


def test_a_diverged_candidate_loses_even_with_a_better_value_before_it_diverged(tmp_path):
    folders = [
        candidate(tmp_path, 0.001, [0.8]),
        candidate(tmp_path, 0.01, [0.9, math.nan]),  # scored by its finite evaluations: 0.9, worse than 0.8
        candidate(tmp_path, 0.1, [0.1], stop_reason="non_finite", best_step=10, best={"loss": 0.1}),
    ]
    record = select_learning_rate("copying", "lstm", folders)
    assert record["learning_rate"] == 0.001
    assert [c["diverged"] for c in record["candidates"]] == [False, False, True]
    nan_only = candidate(tmp_path / "nan", 0.3, [math.nan, math.inf])
    assert select_learning_rate("copying", "lstm", [*folders[:1], nan_only])["candidates"][1]["validation"] is None
    with pytest.raises(QrnnError, match="every tuning run of copying/lstm diverged"):
        select_learning_rate("copying", "lstm", [folders[2], nan_only])


def test_metrics_best_is_read_before_the_history(tmp_path):
    """Runs that stop on a plateau record the best held-out metrics; they win over the history rows."""
    folders = [candidate(tmp_path, 0.001, [0.5], best_step=7, best={"loss": 0.2}), candidate(tmp_path, 0.01, [0.3])]
    record = select_learning_rate("copying", "lstm", folders)
    assert (record["learning_rate"], record["validation"], record["candidates"][0]["best_step"]) == (0.001, 0.2, 7)


def test_candidates_that_differ_in_more_than_the_learning_rate_are_refused(tmp_path):
    folders = [candidate(tmp_path, 0.001, [0.5]), candidate(tmp_path, 0.01, [0.3])]
    config = json.loads((folders[1] / "config.json").read_text())
    config["training"]["max_steps"] = 60
    (folders[1] / "config.json").write_text(json.dumps(config))
    with pytest.raises(QrnnError, match=r"differ in more than the learning rate: training.max_steps: 30 -> 60"):
        select_learning_rate("copying", "lstm", folders)
    with pytest.raises(QrnnError, match="is a run of copying/lstm, not copying/rnn"):
        select_learning_rate("copying", "rnn", folders[:1])


def test_a_tuning_seed_among_the_reported_seeds_is_refused():
    with pytest.raises(ConfigError, match=r"tuning.seed 2 is also in study.seeds \[0, 1, 2\]"):
        validate({"tuning": {"enabled": True, "seed": 2}})
    with pytest.raises(ConfigError, match=r"tuning.seed 7 is also in ablations.seeds \[7\]"):
        validate({"tuning": {"enabled": True, "seed": 7}, "ablations": {"enabled": True, "seeds": [7]}})
    validate({"tuning": {"enabled": False, "seed": 2}})  # not tuning: the seed is not used
    with pytest.raises(ConfigError, match="tuning.learning_rates"):
        validate({"tuning": {"learning_rates": [0.01, 0.1]}})  # fewer than 3 values


def test_the_tuning_runs_cover_every_trained_task_and_model_and_are_counted_as_jobs():
    document = validate({"tuning": {"enabled": True, "learning_rates": [0.001, 0.01, 0.1]}, "study": {"models": ["qrnn", "lstm"]}, "ablations": {"enabled": True, "tasks": ["mnist"], "variants": ["full"]}})
    assert tuned_pairs(document) == [("copying", "qrnn"), ("copying", "lstm"), ("mnist", "qrnn")]
    assert len(tuning_runs(document)) == 9
    off = validate({**document, "tuning": {**document["tuning"], "enabled": False}})
    assert job_count(document) - job_count(off) == 9 + 3 + 1  # the runs, a choice per pair, the tuning table
    assert candidate_learning_rate(document, candidate_name(0.01)) == 0.01
    with pytest.raises(ConfigError, match="no value of tuning.learning_rates"):
        candidate_learning_rate(document, "lr0.5")
    assert study_runs(document) == study_runs(off)  # tuning adds no reported run


def tuning_config(tmp_path: Path, steps: int = 30) -> tuple[Path, dict]:
    document = {**SMALL, "training": {**SMALL["training"], "max_steps": steps}, "tuning": {"enabled": True, "learning_rates": [0.003, 0.01, 0.03], "seed": 1000}}
    return write_config(tmp_path, document), document


def test_train_applies_the_chosen_learning_rate_and_refuses_another_pairs_choice(tmp_path, capsys):
    path, _ = tuning_config(tmp_path, steps=2)
    choice = tmp_path / "choice.json"
    choice.write_text(json.dumps({"task": "copying", "model": "rnn", "learning_rate": 0.0123, "learning_rates": [0.001, 0.0123, 0.1], "seed": 1000}))
    arguments = ["train", "--config", str(path), "--task", "copying", "--seed", "0", "--quiet", "--hyperparameters", str(choice)]
    assert main([*arguments, "--model", "rnn", "--out", str(tmp_path / "rnn")]) == 0
    assert json.loads((tmp_path / "rnn" / "config.json").read_text())["training"]["learning_rate"] == 0.0123
    capsys.readouterr()
    assert main([*arguments, "--model", "lstm", "--out", str(tmp_path / "lstm")]) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [f"qrnn: error: {choice} holds the learning rate chosen for copying/rnn, not for copying/lstm"]
    assert not (tmp_path / "lstm").exists()


def candidate_settings(path: Path, rate: float, folder: Path) -> Path:
    """The settings the workflow's tune_train pipes to `qrnn train` for copying/rnn at ``rate``, as a file."""
    settings = folder / f"{candidate_name(rate)}.yaml"
    settings.write_text(yaml.safe_dump(candidate_document(load_config(path), "copying", "rnn", rate)))
    return settings


def test_a_tuning_run_killed_mid_training_resumes_to_the_same_choice(tmp_path):
    path, document = tuning_config(tmp_path, steps=100)
    rates = document["tuning"]["learning_rates"]
    whole = []
    for rate in rates:  # uninterrupted, in this process: what `qrnn train --config <settings> --seed 1000` runs
        run = run_config(load_config(candidate_settings(path, rate, tmp_path)), "copying", "rnn", 1000)
        train(run, tmp_path / "whole" / candidate_name(rate), progress=False)
        whole.append(tmp_path / "whole" / candidate_name(rate))
    killed = [tmp_path / "killed" / candidate_name(rate) for rate in rates]
    for folder in (killed[0], killed[2]):
        shutil.copytree(tmp_path / "whole" / folder.name, folder)
    arguments = ["train", "--config", str(tmp_path / f"{candidate_name(rates[1])}.yaml"), "--task", "copying", "--model", "rnn", "--seed", "1000", "--quiet", "--out", str(killed[1])]
    sigkill_after_evaluations(arguments, killed[1], evaluations=2)
    assert not (killed[1] / "metrics.json").exists(), "the tuning run finished before it could be killed; make it longer"
    resumed = run_cli(*arguments)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming from" in (killed[1] / "train.log").read_text()
    assert history_without_timings(killed[1]) == history_without_timings(whole[1])
    choices = [write_choice("copying", "rnn", folders, tmp_path / f"{folders[0].parent.name}.json") for folders in (whole, killed)]
    for choice in choices:
        for row in choice["candidates"]:
            row.pop("folder")
    assert choices[0] == choices[1]


def test_the_main_table_shows_each_models_learning_rate_and_the_tuning_table_the_budget(tmp_path):
    runs = [make_run(tmp_path / "runs", model, "default", seed, loss) for model, loss in (("qrnn", 0.3), ("lstm", 0.2)) for seed, loss in enumerate([loss, loss + 0.01])]
    for folder in runs:
        model = folder.parent.parent.name
        (folder / "config.json").write_text(json.dumps({"training": {"learning_rate": 0.01 if model == "qrnn" else 0.003}}))
    choices = []
    for model, rate in (("qrnn", 0.01), ("lstm", 0.003)):
        folders = [candidate(tmp_path / "tuning" / model, r, [0.5 if r == rate else 0.9], model=model) for r in (0.003, 0.01, 0.03)]
        choices.append(tmp_path / choice_path("copying", model))
        choices[-1].parent.mkdir(parents=True, exist_ok=True)
        write_choice("copying", model, folders, choices[-1])
    table = write_main_table("copying", runs, tmp_path / "copying_main", tmp_path / "verdict.md", tuning=choices)
    assert {row["model"]: row["learning_rate"] for row in table.rows} == {"qrnn": 0.01, "lstm": 0.003}
    markdown = (tmp_path / "copying_main.md").read_text()
    assert "| learning rate |" in markdown and "| 0.003 |" in markdown and "3 runs x 30 max steps per model" in markdown
    assert [choice["model"] for choice in json.loads((tmp_path / "copying_main.provenance.json").read_text())["tuning"]] == ["qrnn", "lstm"]
    rows = write_tuning_table(choices, tmp_path / "tuning")
    assert [(row["model"], row["learning_rate"], row["budget_steps"]) for row in rows] == [("lstm", 0.003, 90), ("qrnn", 0.01, 90)]
    assert "| copying | quantum RNN | 0.01 | 0.003 0.01 0.03 |" in (tmp_path / "tuning.md").read_text()
