"""The `qrnn` command: every sub-command explains itself, the shared options are declared
once, and every call the workflow rules make is one the parser accepts."""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qrnn.cli import options
from qrnn.cli.main import build_parser, main

REPOSITORY = Path(__file__).resolve().parents[1]
CLI_SOURCE = REPOSITORY / "qrnn" / "cli"
SHARED_OPTIONS = ("--config", "--threads", "--device", "--quiet", "--out-png", "--out-pdf")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return actions[0].choices if actions else {}


def sub_commands(parser: argparse.ArgumentParser | None = None, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every sub-command that runs something (a leaf of the parser tree), by its words after `qrnn`."""
    parser = parser or build_parser()
    children = _subparsers(parser)
    if not children:
        return {path: parser}
    return {leaf: found for name, child in children.items() for leaf, found in sub_commands(child, (*path, name)).items()}


LEAVES = sub_commands()


def test_the_parser_has_every_command_the_study_needs():
    """A group module that forgot to register would silently drop its sub-commands."""
    names = {" ".join(path) for path in LEAVES}
    assert {"train", "prepare-data", "evaluate", "aggregate", "tables main", "figures learning-curves", "analyse compute-cost",
            "describe-study", "estimate", "audit", "audit-number", "scaling-table", "evaluate-noise", "hardware-resources",
            "figures hardware-readout-error", "tune select", "tables tuning"} <= names
    assert len(names) == 31


@pytest.mark.parametrize("path", sorted(LEAVES), ids=" ".join)
def test_help_of_every_sub_command(path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    assert exit_.value.code == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith(f"usage: qrnn {' '.join(path)}")
    assert LEAVES[path].description and len(help_text.splitlines()) > 5  # a description and the options


@pytest.mark.parametrize("command", [[], ["figures"], ["tables"], ["analyse"]])
def test_help_of_the_command_and_its_groups_in_a_fresh_interpreter(command):
    result = subprocess.run([sys.executable, "-m", "qrnn", *command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith(f"usage: qrnn {' '.join(command)}".rstrip())


def test_building_the_parser_leaves_torch_unloaded():
    """Handlers import the heavy libraries, so that `qrnn --help` answers at once."""
    code = "import sys; from qrnn.cli.main import build_parser; build_parser(); print(*sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout.split()
    assert "qrnn.cli.main" in loaded and "torch" not in loaded


def test_a_library_error_is_one_line_and_exit_status_1(tmp_path, capsys):
    assert main(["audit-number", "no_such_table", "rnn", "mean", "--tables-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines() == [f"qrnn: error: no provenance file {tmp_path / 'no_such_table.provenance.json'} for table 'no_such_table' (tables with provenance in {tmp_path}: none)"]


def test_a_usage_error_is_one_line_with_status_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--run", "r", "--data", "d", "--out", "o", "--threads", "0"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines() == ["qrnn evaluate: error: argument --threads: '0' is not a positive whole number (see qrnn evaluate --help)"]


@pytest.mark.parametrize("text,value", [("1", 1), ("16", 16)])
def test_threads_take_a_positive_whole_number(text, value):
    assert options.positive_integer(text) == value


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5", ""])
def test_threads_refuse_anything_else(text):
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(repr(text))):
        options.positive_integer(text)


def _main_raising(monkeypatch, error: BaseException) -> int:
    """main() on a sub-command whose handler raises ``error``."""
    parser = build_parser()
    monkeypatch.setattr("qrnn.cli.main.build_parser", lambda: parser)

    def handler(args):
        raise error

    _subparsers(parser)["audit-number"].set_defaults(handler=handler)
    return main(["audit-number", "table", "row", "column"])


@pytest.mark.parametrize(
    "error,line",
    [
        (FileNotFoundError(2, "No such file or directory", "runs/a/metrics.json"), "runs/a/metrics.json: No such file or directory"),
        (PermissionError(13, "Permission denied", "a.tmp", None, "results/a.json"), "a.tmp -> results/a.json: Permission denied"),
        (IsADirectoryError(21, "Is a directory", "results"), "results: Is a directory"),
    ],
)
def test_an_os_error_is_one_line_naming_its_files(monkeypatch, capsys, error, line):
    monkeypatch.delenv("QRNN_DEBUG", raising=False)
    assert _main_raising(monkeypatch, error) == 1
    assert capsys.readouterr().err.splitlines() == [f"qrnn: error: {line}"]


def test_debug_shows_the_traceback_and_still_ends_with_the_line(monkeypatch, capsys, tmp_path):
    arguments = ["audit-number", "no_such_table", "rnn", "mean", "--tables-dir", str(tmp_path)]
    monkeypatch.delenv("QRNN_DEBUG", raising=False)
    assert main(["--debug", *arguments]) == 1
    debug_flag = capsys.readouterr().err
    monkeypatch.setenv("QRNN_DEBUG", "1")
    assert main(arguments) == 1
    debug_variable = capsys.readouterr().err
    for err in (debug_flag, debug_variable):
        assert err.startswith("Traceback (most recent call last):") and "in audit_number" in err
        assert err.splitlines()[-1].startswith("qrnn: error: no provenance file")
    monkeypatch.setenv("QRNN_DEBUG", "0")
    assert main(arguments) == 1 and len(capsys.readouterr().err.splitlines()) == 1


def test_a_bug_keeps_its_traceback(monkeypatch):
    """Only QrnnError and OSError are the user's to fix; anything else must reach a bug report whole."""
    with pytest.raises(KeyError, match="rows"):
        _main_raising(monkeypatch, KeyError("rows"))


def test_every_sub_command_has_a_handler():
    assert all(callable(parser.get_default("handler")) for parser in LEAVES.values())


def _declared_options(path: Path) -> list[str]:
    """The option strings of every add_argument call in a source file."""
    calls = [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Call)]
    return [
        argument.value
        for call in calls
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add_argument"
        for argument in call.args
        if isinstance(argument, ast.Constant) and str(argument.value).startswith("--")
    ]


def test_shared_options_are_declared_once_in_options():
    declared = {path.name: _declared_options(path) for path in sorted(CLI_SOURCE.glob("*.py"))}
    for option in SHARED_OPTIONS:
        places = [name for name, found in declared.items() for _ in range(found.count(option))]
        assert places == ["options.py"], f"{option} is declared in {places}"


def test_threads_are_applied_by_every_command_that_takes_them():
    """--threads is no use unless the handler gives it to torch (options.use_threads)."""
    takes_threads = [path for path, parser in LEAVES.items() if any("--threads" in a.option_strings for a in parser._actions)]
    assert {" ".join(path) for path in takes_threads} == {"train", "evaluate", "analyse gradient-norms", "evaluate-noise", "evaluate-hardware"}
    for path in takes_threads:
        assert "use_threads" in LEAVES[path].get_default("handler").__code__.co_names, f"qrnn {' '.join(path)} ignores --threads"


@pytest.mark.parametrize("threads,calls", [(None, []), (3, [3])])
def test_use_threads_sets_torch_threads_only_when_asked(monkeypatch, threads, calls):
    import torch

    seen = []
    monkeypatch.setattr(torch, "set_num_threads", seen.append)
    options.use_threads(argparse.Namespace(threads=threads))
    assert seen == calls


def _workflow_calls() -> list[tuple[str, list[str]]]:
    """(rule file, words) of every `qrnn` call in a shell: directive of workflow/rules/*.smk,
    the adjacent string literals of the directive joined as Python joins them. The figure
    rules made in a loop name their sub-command {params.command}, from FIGURE_RULES: one
    call per entry."""
    calls = []
    for path in sorted((REPOSITORY / "workflow" / "rules").glob("*.smk")):
        text = path.read_text()
        figure_commands = re.findall(r"^\s+\"\w+\": \(\"([a-z-]+)\",", text.partition("FIGURE_RULES = {")[2].partition("\n}")[0], flags=re.MULTILINE)
        for block in re.findall(r"^\s+shell:\n((?:\s+\".*\"\n)+)", text, flags=re.MULTILINE):
            command = "".join(re.findall(r"\"(.*)\"", block))
            for segment in re.split(r"\||&&|[()<>]", command):
                words = segment.split()
                if words[:1] != ["qrnn"]:
                    continue
                named = [words[1:]] if "{params.command}" not in words else [[c if w == "{params.command}" else w for w in words[1:]] for c in figure_commands]
                calls.extend((path.name, call) for call in named)
    return calls


WORKFLOW_CALLS = _workflow_calls()


def test_the_workflow_calls_are_found():
    """The parse below must see the calls, or the next test would pass on nothing."""
    assert len(WORKFLOW_CALLS) >= 24
    found = {(name, " ".join(word for word in words[:2] if not word.startswith("-"))) for name, words in WORKFLOW_CALLS}
    assert {("train.smk", "train"), ("analysis.smk", "figures bloch-vectors"), ("noise.smk", "figures noise-shots")} <= found


@pytest.mark.parametrize("rule_file,words", WORKFLOW_CALLS, ids=[f"{name}:{' '.join(w[:2])}" for name, w in WORKFLOW_CALLS])
def test_every_workflow_call_names_a_sub_command_and_its_options(rule_file, words):
    path = next((leaf for leaf in LEAVES if leaf == tuple(words[: len(leaf)])), None)
    assert path, f"{rule_file}: qrnn {' '.join(words)} names no sub-command"
    actions = LEAVES[path]._actions
    given = {word for word in words if word.startswith("--")}
    known = {option for action in actions for option in action.option_strings}
    required = {action.option_strings[0] for action in actions if action.required and action.option_strings}
    assert given <= known, f"{rule_file}: qrnn {' '.join(words)} passes {sorted(given - known)}"
    assert required <= given, f"{rule_file}: qrnn {' '.join(words)} misses {sorted(required - given)}"
