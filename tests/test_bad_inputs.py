"""Bad input, tried through the real `qrnn` command as a hostile but fair user would.

Every case runs `python -m qrnn ...` in a fresh interpreter and checks that the command
fails with exit status 1 (a usage error: argparse's 2), prints exactly one line on stderr
naming the culprit (the file, key or value) and no traceback, and leaves nothing behind:
the folder it ran in is byte for byte as before (no run folder, no half-written table, no
temporary file). Cases that cannot happen here are made in the closest real way: a full
disk is a file-size limit (EFBIG, as `ulimit -f` gives), a read-only folder under root is
read-only once the process gives up the capabilities that override file permissions, and
an IBM backend is reached through qiskit-ibm-runtime with a bogus token (no network here;
with a network the service refuses the token instead, in one line too).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from qrnn.config import load_config
from qrnn.data.prepare import prepare_task_data
from qrnn.study.resolve import run_config

REPOSITORY = Path(__file__).resolve().parents[1]
SMALL = {
    "training": {"max_steps": 4, "eval_every": 2, "batch_size": 4, "eval_batches": 1},
    "tasks": {"copying": {"blank_length": 3, "copy_length": 3, "n_symbols": 4}},
    "study": {"test_sequences": 8},
    "models": {"qrnn": {"n_qubits": 2, "embedding_dim": 4, "controller": {"width": 8}}, "rnn": {"hidden_size": 8, "embedding_dim": 4}},
}
UNITS = {"loss": "nats", "copy_accuracy": "fraction", "memoryless_cross_entropy": "nats"}
TOKEN = "bogus-token-that-must-not-be-printed"
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def qrnn(folder: Path, *arguments: str, environment: dict[str, str] | None = None, preexec_fn=None) -> subprocess.CompletedProcess:
    """`python -m qrnn ARGUMENTS` run in ``folder``, without debug output or IBM credentials from the caller's environment."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("QRNN_", "QISKIT_IBM_"))}
    env.update({"PYTHONPATH": os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")]), "QRNN_KERNELS": "torch", **(environment or {})})
    return subprocess.run([sys.executable, "-m", "qrnn", *arguments], cwd=folder, env=env, capture_output=True, text=True, timeout=300, preexec_fn=preexec_fn)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder``, with a file's bytes (None for a folder)."""
    return {str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes() for path in sorted(folder.rglob("*"))}


def refused(folder: Path, *arguments: str, status: int = 1, **options) -> str:
    """Run the command; assert the refusal and that nothing under ``folder`` changed; return the one line."""
    before = snapshot(folder)
    result = qrnn(folder, *arguments, **options)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert snapshot(folder) == before, "the command left something behind"
    return result.stderr.rstrip("\n")


def file_size_limit(limit: int):
    """preexec_fn: at most ``limit`` bytes per file, as `ulimit -f` (a full disk, as near as a test gets)."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def without_permission_override() -> None:
    """preexec_fn: as root, give up the capabilities that ignore file permissions."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
            if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL))
    return path


@pytest.fixture
def read_only(tmp_path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    probe = subprocess.run([sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"], capture_output=True, preexec_fn=without_permission_override)
    if probe.returncode == 0:
        (folder / "probe").unlink()
        pytest.skip("this process can write into a read-only folder (root without a way to give up CAP_DAC_OVERRIDE)")
    yield folder
    folder.chmod(0o755)


def train(config: Path, out: Path, *more: str, task: str = "copying") -> list[str]:
    return ["train", "--config", str(config), "--task", task, "--model", "rnn", "--seed", "0", "--out", str(out), "--quiet", *more]


def evaluated_run(folder: Path, seed: int = 0) -> Path:
    """A run folder as `qrnn train` and `qrnn evaluate` leave it, for the table commands."""
    folder.mkdir(parents=True)
    evaluation = {
        "task": "copying", "model": "rnn", "variant": "default", "seed": seed, "metrics": {"copy_accuracy": 0.5, "loss": 1.0},
        "reference": {"memoryless_cross_entropy": 0.69}, "units": UNITS, "data_sha256": "abc",
        "trainable_parameters": {"total": 10, "classical": 10, "quantum": 0, "recurrent": 6},
    }
    (folder / "evaluation.json").write_text(json.dumps(evaluation))
    (folder / "metrics.json").write_text(json.dumps({"wall_time_s": 1.0, "git_revision": "abc123"}))
    (folder / "history.csv").write_text("step,train_loss,eval_loss,eval_copy_accuracy,wall_time_s\n2,1.5,1.0,0.5,1.0\n4,1.2,0.9,0.6,2.0\n")
    return folder


def aggregate(run: Path, tables: Path) -> list[str]:
    outputs = {"--out-csv": "copying.csv", "--out-md": "copying.md", "--out-json": "copying.json", "--out-curves": "copying_curves.csv"}
    return ["aggregate", "--task", "copying", "--runs", str(run), *(word for option, name in outputs.items() for word in (option, str(tables / name)))]


# --- where the output goes -------------------------------------------------------------


def test_a_run_folder_under_a_regular_file(tmp_path, config):
    (tmp_path / "results").write_text("a file")
    line = refused(tmp_path, *train(config, tmp_path / "results" / "run"))
    assert line == f"qrnn: error: {tmp_path / 'results' / 'run'}: {tmp_path / 'results'} is a file, not a folder"


@pytest.mark.slow
def test_a_table_under_a_regular_file(tmp_path):
    run = evaluated_run(tmp_path / "run")
    (tmp_path / "tables").write_text("a file")
    line = refused(tmp_path, *aggregate(run, tmp_path / "tables"))
    assert line == f"qrnn: error: cannot write {tmp_path / 'tables' / 'copying.csv'}: {tmp_path / 'tables'} is a file, not a folder"


def test_a_table_in_a_read_only_folder(tmp_path, read_only):
    run = evaluated_run(tmp_path / "run")
    line = refused(tmp_path, *aggregate(run, read_only), preexec_fn=without_permission_override)
    assert line == f"qrnn: error: cannot write {read_only / 'copying.csv'}: Permission denied"


@pytest.mark.slow
def test_a_run_folder_in_a_read_only_folder(tmp_path, config, read_only):
    line = refused(tmp_path, *train(config, read_only / "run"), preexec_fn=without_permission_override)
    assert line == f"qrnn: error: {read_only / 'run'}: Permission denied"


def test_a_full_disk_while_writing_a_test_set(tmp_path, config):
    out = tmp_path / "data" / "copying"
    line = refused(tmp_path, "prepare-data", "--config", str(config), "--task", "copying", "--out", str(out), "--quiet", preexec_fn=file_size_limit(1024))
    assert line == f"qrnn: error: cannot write {out / 'test.pt'}: File too large"


@pytest.mark.slow
def test_a_full_disk_while_writing_a_table(tmp_path):
    run = evaluated_run(tmp_path / "run")
    line = refused(tmp_path, *aggregate(run, tmp_path / "tables"), preexec_fn=file_size_limit(0))
    assert line == f"qrnn: error: cannot write {tmp_path / 'tables' / 'copying.csv'}: File too large"


@pytest.mark.slow
def test_a_full_disk_during_training_stops_in_one_line_and_leaves_only_whole_files(tmp_path, config):
    """Training writes several files, so a run folder is left; but every file in it is whole
    (a rerun resumes or starts over), and no temporary file stays."""
    out = tmp_path / "run"
    result = qrnn(tmp_path, *train(config, out), preexec_fn=file_size_limit(2048))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [f"qrnn: error: cannot write {out / 'checkpoint.pt'}: File too large"]
    assert sorted(path.name for path in out.iterdir()) == ["config.json", "history.csv", "train.log"]
    assert json.loads((out / "config.json").read_text())["task"] == "copying"


def test_a_full_disk_under_the_training_log(tmp_path, config):
    """ENOSPC for real: train.log is /dev/full. The run stops at its first log line, naming
    the log, instead of logging's printed traceback and training on."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "train.log").symlink_to("/dev/full")
    result = qrnn(tmp_path, *train(config, out))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [f"qrnn: error: cannot write {out / 'train.log'}: No space left on device"]
    assert not (out / "checkpoint.pt").exists() and not list(out.glob(".*.tmp"))


# --- settings: options and environment ------------------------------------------------


@pytest.mark.parametrize("value,reason", [("-1", "is not a positive whole number"), ("0", "is not a positive whole number"), ("many", "is not a whole number")])
def test_threads_must_be_a_positive_whole_number(tmp_path, config, value, reason):
    line = refused(tmp_path, *train(config, tmp_path / "run", "--threads", value), status=2)
    assert line == f"qrnn train: error: argument --threads: {value!r} {reason} (see qrnn train --help)"


def test_an_unknown_qrnn_kernels_setting(tmp_path, config):
    line = refused(tmp_path, *train(config, tmp_path / "run"), environment={"QRNN_KERNELS": "bogus"})
    assert line == "qrnn: error: QRNN_KERNELS='bogus' is not one of auto, native, torch"


@pytest.mark.parametrize(
    "device,message",
    [
        ("tpu", "unknown device 'tpu' (use cpu, cuda or cuda:N)"),
        pytest.param("cuda:x", "unknown device 'cuda:x' (use cpu, cuda or cuda:N)", marks=pytest.mark.slow),
        pytest.param(
            "cuda", "device 'cuda' requested but CUDA is not available on this machine (use --device cpu)",
            marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU"),
        ),
    ],
)
def test_a_device_this_machine_lacks_creates_no_run_folder(tmp_path, config, device, message):
    assert refused(tmp_path, *train(config, tmp_path / "run", "--device", device)) == f"qrnn: error: {message}"


def test_a_data_task_without_its_data_creates_no_run_folder(tmp_path, config):
    line = refused(tmp_path, *train(config, tmp_path / "run", task="mnist"))
    assert line == "qrnn: error: task mnist trains on processed data: pass its folder (qrnn train --data data/mnist)"


@pytest.mark.slow
def test_a_data_folder_that_does_not_exist_creates_no_run_folder(tmp_path, config):
    line = refused(tmp_path, *train(config, tmp_path / "run", "--data", str(tmp_path / "nowhere"), task="mnist"))
    assert line.startswith(f"qrnn: error: missing {tmp_path / 'nowhere' / 'manifest.json'}: ")


@pytest.fixture
def ibm_setup(tmp_path, config) -> list[str]:
    """`qrnn hardware-resources` for a real IBM backend, on a copying test set written here."""
    document = {**SMALL, "hardware": {"backend": "ibm_brisbane"}}
    (tmp_path / "ibm.yaml").write_text(yaml.safe_dump(document))
    data = tmp_path / "data"
    prepare_task_data(load_config(config), "copying", data, tmp_path / "downloads", progress=False)
    return ["hardware-resources", "--config", str(tmp_path / "ibm.yaml"), "--tasks", "copying", "--data", str(data),
            "--out-csv", str(tmp_path / "resources" / "r.csv"), "--out-md", str(tmp_path / "resources" / "r.md")]


@pytest.mark.parametrize(
    "environment,reason",
    [
        ({}, ""),
        pytest.param({"QISKIT_IBM_INSTANCE": "crn:bogus"}, "AttributeError: ", marks=pytest.mark.slow),
        pytest.param({"QISKIT_IBM_CHANNEL": "bogus"}, "ValueError: 'channel' can only be", marks=pytest.mark.slow),
    ],
)
def test_a_real_ibm_backend_with_a_bad_token_instance_or_channel(tmp_path, ibm_setup, environment, reason):
    """The real qiskit-ibm-runtime code path; the token is never printed."""
    line = refused(tmp_path, *ibm_setup, environment={"QISKIT_IBM_TOKEN": TOKEN, **environment})
    channel = environment.get("QISKIT_IBM_CHANNEL", "ibm_quantum_platform")
    instance = environment.get("QISKIT_IBM_INSTANCE")
    assert line.startswith(f"qrnn: error: hardware.backend: cannot open IBM backend 'ibm_brisbane' (channel {channel!r}, instance {instance!r}): {reason}")
    assert line.endswith("Check QISKIT_IBM_TOKEN, QISKIT_IBM_CHANNEL, QISKIT_IBM_INSTANCE and the network")
    assert TOKEN not in line


# --- result files with the wrong structure ----------------------------------------------


@pytest.mark.parametrize(
    "content,problem",
    [("[]", "holds an array, not a JSON object: not a result file"), ("{}", "has no key 'task': not a result file of this version of qrnn")],
)
def test_an_evaluation_that_is_not_one(tmp_path, content, problem):
    run = evaluated_run(tmp_path / "run")
    (run / "evaluation.json").write_text(content)
    assert refused(tmp_path, *aggregate(run, tmp_path / "tables")) == f"qrnn: error: {run / 'evaluation.json'} {problem}"


@pytest.mark.slow
def test_an_empty_evaluation_in_the_main_table(tmp_path):
    run = evaluated_run(tmp_path / "run")
    (run / "evaluation.json").write_text("{}")
    line = refused(tmp_path, "tables", "main", "--task", "copying", "--runs", str(run), "--out-prefix", str(tmp_path / "t" / "copying"), "--out-verdict", str(tmp_path / "t" / "v.md"))
    assert line == f"qrnn: error: {run / 'evaluation.json'} has no key 'task': not a result file of this version of qrnn"


@pytest.mark.slow
def test_training_metrics_that_are_not_text(tmp_path):
    run = evaluated_run(tmp_path / "run")
    (run / "metrics.json").write_bytes(b"\xff\xfe{}")
    assert refused(tmp_path, *aggregate(run, tmp_path / "tables")) == f"qrnn: error: {run / 'metrics.json'} is not UTF-8 text (byte 0)"


def test_a_history_of_garbage(tmp_path):
    """Refused before any table file is written (aggregate used to leave its CSV, Markdown and JSON)."""
    run = evaluated_run(tmp_path / "run")
    (run / "history.csv").write_text("garbage\nmore garbage,x\n")
    line = refused(tmp_path, *aggregate(run, tmp_path / "tables"))
    assert line == f"qrnn: error: {run / 'history.csv'} is not a training history: no column 'step' (its first line: 'garbage')"


@pytest.mark.parametrize("command", ["aggregate", "tables main"])
def test_a_non_finite_test_metric_is_named_not_averaged(tmp_path, command):
    """One NaN used to leave a NaN cell (aggregate, exit 0, the seed silently dropped) or a traceback without the file (tables main)."""
    runs = [evaluated_run(tmp_path / f"run{seed}", seed) for seed in (0, 1)]
    evaluation = json.loads((runs[1] / "evaluation.json").read_text())
    evaluation["metrics"]["loss"] = float("nan")
    (runs[1] / "evaluation.json").write_text(json.dumps(evaluation))
    tables = tmp_path / "tables"
    if command == "aggregate":
        arguments = aggregate(runs[0], tables)
        arguments[arguments.index("--runs") + 1 : arguments.index("--runs") + 2] = [str(run) for run in runs]
    else:
        arguments = ["tables", "main", "--task", "copying", "--runs", *map(str, runs), "--out-prefix", str(tables / "copying"), "--out-verdict", str(tables / "v.md")]
    line = refused(tmp_path, *arguments)
    assert line == (f"qrnn: error: {runs[1] / 'evaluation.json'}: test metric 'loss' is nan; a table cannot average it "
                    "(a diverged or broken run: retrain or leave it out)")


def test_a_provenance_file_without_rows(tmp_path):
    (tmp_path / "copying_main.provenance.json").write_text(json.dumps({"format": 1, "table": "copying_main", "groups": {}}))
    line = refused(tmp_path, "audit-number", "copying_main", "rnn", "mean", "--tables-dir", str(tmp_path))
    assert line == f"qrnn: error: {tmp_path / 'copying_main.provenance.json'} has no key 'rows': not a result file of this version of qrnn"


@pytest.mark.parametrize(
    "content,problem",
    [
        ([1, 2], "is not a qrnn checkpoint (it holds a list, not a mapping); delete it to start the run over"),
        pytest.param({"format": 1, "model": {}, "step": 2}, "is not a qrnn checkpoint (no config); delete it to start the run over", marks=pytest.mark.slow),
    ],
)
def test_a_checkpoint_that_is_not_one_is_refused_on_resume(tmp_path, config, content, problem):
    out = tmp_path / "run"
    out.mkdir()
    torch.save(content, out / "checkpoint.pt")
    assert refused(tmp_path, *train(config, out)) == f"qrnn: error: {out / 'checkpoint.pt'} {problem}"


@pytest.mark.slow
def test_a_checkpoint_that_is_not_one_is_refused_by_evaluate(tmp_path, config):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps(run_config(load_config(config), "copying", "rnn", 0).to_dict()))
    torch.save([1, 2], run / "checkpoint.pt")
    line = refused(tmp_path, "evaluate", "--run", str(run), "--data", str(tmp_path / "data"), "--out", str(run / "evaluation.json"))
    assert line == f"qrnn: error: {run / 'checkpoint.pt'} is not a qrnn checkpoint (it holds a list, not a mapping); delete it to start the run over"


def test_training_metrics_without_their_wall_time(tmp_path):
    run = evaluated_run(tmp_path / "run")
    (run / "metrics.json").write_text("{}")
    line = refused(tmp_path, *aggregate(run, tmp_path / "tables"))
    assert line == f"qrnn: error: {run / 'metrics.json'} has no key 'wall_time_s': not a result file of this version of qrnn"
