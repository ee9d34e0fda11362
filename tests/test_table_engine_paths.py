"""A table refuses quantum-RNN runs computed on different engine paths (the C kernels and the
PyTorch path agree to rounding only), and reads runs on one path exactly as before."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qrnn.errors import QrnnError
from qrnn.io.provenance import engine_path, run_engine_path
from qrnn.quantum.native import build
from qrnn.tables.aggregate import write_tables
from qrnn.tables.main import write_ablation_table, write_main_table
from qrnn.tables.noise import read_noise_results
from qrnn.tables.scaling import write_scaling_table
from tests.test_noise_table import make_sweep
from tests.test_scaling import fake_run
from tests.test_tables import LOSSES, make_run

# As build.description() writes them: the compiler and flags vary from machine to machine.
KERNELS = "C kernels (cc (Debian 12.2.0-14) 12.2.0; -O3 -march=native -fno-math-errno -fno-trapping-math)"
KERNELS_ELSEWHERE = "C kernels (gcc (GCC) 13.3.0; -O3 -fno-math-errno -fno-trapping-math)"
PYTORCH = "PyTorch (C kernels unavailable)"


def record(path: Path, engine: str, device: str | None = None) -> None:
    """Add versions.engine_kernels (and a device) to a result file."""
    document = json.loads(path.read_text())
    document["versions"] = {"torch": "2.14.1", "engine_kernels": engine}
    if device is not None:
        document["device"] = device
    path.write_text(json.dumps(document))


def refusal(one: str, one_folder: Path, other: str, other_folder: Path) -> str:
    return re.escape(f"computed on different engine paths: {one} ({one_folder}) and {other} ({other_folder})")


@pytest.mark.parametrize("description, device, path", [
    (KERNELS, "cpu", build.KERNELS_PATH), (KERNELS_ELSEWHERE, None, build.KERNELS_PATH),
    ("PyTorch (QRNN_KERNELS=torch)", "cpu", build.PYTORCH_PATH), (PYTORCH, None, build.PYTORCH_PATH),
    (KERNELS, "cuda:0 (NVIDIA A100)", build.PYTORCH_PATH),  # the engine takes its PyTorch path off the CPU
])
def test_the_engine_path_of_a_result_file(description, device, path):
    document = {"versions": {"engine_kernels": description}, **({"device": device} if device else {})}
    assert engine_path(document) == path


def test_files_without_the_record_say_nothing_and_a_run_names_both_of_its_paths():
    assert engine_path({"versions": {"torch": "2.2"}}) is None and engine_path({}) is None
    assert run_engine_path({}, {"versions": {"engine_kernels": PYTORCH}}) == build.PYTORCH_PATH
    trained, evaluated = {"versions": {"engine_kernels": KERNELS}}, {"versions": {"engine_kernels": KERNELS}, "device": "cuda:0"}
    assert run_engine_path(trained, evaluated) == "C kernels then PyTorch"


def study(root: Path, task: str = "copying") -> list[Path]:
    return [make_run(root, model, variant, seed, loss, task) for (model, variant), losses in LOSSES.items() for seed, loss in enumerate(losses)]


def write_all(runs: list[Path], out: Path) -> None:
    write_main_table("copying", runs, out / "copying_main", out / "copying_verdict.md")
    write_ablation_table([run for run in runs if "/qrnn/" in str(run)], out / "ablations")
    write_tables("copying", runs, out / "summary.csv", out / "summary.md", out / "summary.json", out / "curves.csv", out / "curves_mean.csv")


def test_runs_on_one_path_give_the_same_bytes_as_runs_that_do_not_record_it(tmp_path):
    """Build details may differ; baselines, which the engine does not compute, may be on any path."""
    runs = study(tmp_path / "runs")
    write_all(runs, tmp_path / "unrecorded")
    for index, run in enumerate(runs):
        quantum = "/qrnn/" in str(run)
        record(run / "metrics.json", (KERNELS, KERNELS_ELSEWHERE)[index % 2] if quantum else PYTORCH)
        record(run / "evaluation.json", KERNELS if quantum else PYTORCH, "cpu")
    write_all(runs, tmp_path / "recorded")
    written = sorted(path.name for path in (tmp_path / "unrecorded").iterdir())
    assert len(written) == 14
    for name in written:
        assert (tmp_path / "recorded" / name).read_bytes() == (tmp_path / "unrecorded" / name).read_bytes(), name


def test_quantum_runs_on_different_paths_are_refused_by_every_table_of_runs(tmp_path):
    runs = study(tmp_path / "runs")
    quantum = [run for run in runs if "/qrnn/default/" in str(run)]
    for run in runs:
        record(run / "metrics.json", PYTORCH if run == quantum[2] else KERNELS)
    expected = refusal(build.KERNELS_PATH, quantum[0], build.PYTORCH_PATH, quantum[2])
    with pytest.raises(QrnnError, match=expected):
        write_main_table("copying", runs, tmp_path / "copying_main", tmp_path / "copying_verdict.md")
    with pytest.raises(QrnnError, match=expected):
        write_ablation_table(quantum, tmp_path / "ablations")
    with pytest.raises(QrnnError, match=expected):
        write_tables("copying", runs, *(tmp_path / name for name in ("s.csv", "s.md", "s.json", "c.csv")))
    assert not list(tmp_path.glob("copying_*")) and not list(tmp_path.glob("s.*"))


def test_an_evaluation_off_the_cpu_is_another_path(tmp_path):
    runs = [run for run in study(tmp_path / "runs") if "/qrnn/default/" in str(run)]
    for run in runs:
        record(run / "metrics.json", KERNELS)
        record(run / "evaluation.json", KERNELS, "cuda:0" if run == runs[1] else "cpu")
    with pytest.raises(QrnnError, match=refusal(build.KERNELS_PATH, runs[0], "C kernels then PyTorch", runs[1])):
        write_main_table("copying", runs, tmp_path / "main", tmp_path / "verdict.md")


def test_the_ablation_table_refuses_tasks_computed_on_different_paths(tmp_path):
    """Each task's runs are on one path, but the table holds both tasks."""
    copying = [run for run in study(tmp_path / "runs") if "/qrnn/" in str(run)]
    other = [run for run in study(tmp_path / "runs", "mnist") if "/qrnn/" in str(run)]
    for run in copying + other:
        record(run / "metrics.json", KERNELS if run in copying else PYTORCH)
    with pytest.raises(QrnnError, match=refusal(build.KERNELS_PATH, copying[0], build.PYTORCH_PATH, other[0])):
        write_ablation_table(copying + other, tmp_path / "ablations")


def test_the_noise_table_refuses_sweeps_on_different_paths(tmp_path):
    sweeps = [make_sweep(tmp_path, seed) for seed in (0, 1)]
    for csv_path, run in sweeps:
        record(run / "metrics.json", KERNELS)
    record(sweeps[0][0].with_suffix(".json"), KERNELS)
    record(sweeps[1][0].with_suffix(".json"), PYTORCH)
    csvs, runs = [csv_path for csv_path, _ in sweeps], [run for _, run in sweeps]
    with pytest.raises(QrnnError, match=refusal(build.KERNELS_PATH, runs[0], "C kernels then PyTorch", runs[1])):
        read_noise_results(csvs, runs)
    record(sweeps[1][0].with_suffix(".json"), KERNELS_ELSEWHERE)
    assert [result.seed for result in read_noise_results(csvs, runs)] == [0, 1]


def test_the_scaling_table_refuses_quantum_runs_on_different_paths(tmp_path):
    runs = [fake_run(tmp_path / "a", "qrnn", "n4_l1", 0, 0.2), fake_run(tmp_path / "b", "qrnn", "n6_l1", 0, 0.1),
            fake_run(tmp_path / "c", "lstm", "n4_l1_width", 0, 0.5, hidden=12)]
    for run, engine in zip(runs, (KERNELS, KERNELS_ELSEWHERE, PYTORCH)):
        record(run / "evaluation.json", engine)
    assert len(write_scaling_table(runs, tmp_path / "scaling.csv", tmp_path / "scaling.md")) == 3
    record(runs[1] / "evaluation.json", KERNELS, "cuda:0")
    with pytest.raises(QrnnError, match=refusal(build.KERNELS_PATH, runs[0], build.PYTORCH_PATH, runs[1])):
        write_scaling_table(runs, tmp_path / "scaling.csv", tmp_path / "scaling.md")
