"""The package layout: one home per concern, imports that run one way, no dodged cycles."""

from __future__ import annotations

import subprocess
import sys

from tests.import_graph import PACKAGE_ROOT, cycles, import_graph, imports_of, library_modules

TOP_LEVEL_MODULES = {"__init__", "__main__", "config", "errors"}
# Function-level imports of qrnn modules outside the CLI, each for a heavy optional dependency
# that most callers never need (the CLI imports lazily so that `--help` answers at once).
LAZY_IMPORTS = {("qrnn.models.qrnn", "qrnn.quantum.torchquantum_backend")}  # torchquantum takes seconds to import


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_graph_sees_a_cycle():
    """The check above would pass on any graph if cycles() found nothing at all."""
    graph = {"qrnn.a": {"qrnn.b"}, "qrnn.b": {"qrnn.c"}, "qrnn.c": {"qrnn.a"}, "qrnn.d": {"qrnn.a"}}
    assert cycles(graph) == [["qrnn.a", "qrnn.b", "qrnn.c"]]


def test_only_settings_and_errors_at_the_top_level():
    top = {path.stem for path in PACKAGE_ROOT.glob("*.py")}
    assert top == TOP_LEVEL_MODULES


def test_config_and_errors_are_leaves():
    graph = import_graph()
    assert graph["qrnn.errors"] == set()
    assert graph["qrnn.config"] <= {"qrnn.errors"}


def test_nothing_outside_the_cli_imports_it():
    graph = import_graph()
    importers = {name for name, targets in graph.items() if any(t == "qrnn.cli" or t.startswith("qrnn.cli.") for t in targets)}
    assert {name for name in importers if not name.startswith("qrnn.cli")} <= {"qrnn.__main__"}


def test_library_imports_are_at_module_level():
    """A function-level import of a qrnn module outside the CLI is either listed in
    LAZY_IMPORTS with its reason, or it hides a cycle."""
    modules = library_modules()
    found = {
        (name, target)
        for name, path in modules.items()
        if not name.startswith("qrnn.cli")
        for target, _, in_function in imports_of(path, modules)
        if in_function
    }
    assert found <= LAZY_IMPORTS


def test_every_module_imports_in_a_fresh_interpreter():
    names = sorted(name for name in library_modules() if name != "qrnn.__main__")
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_paths_named_in_docs_and_configs_exist():
    """README, dvc.yaml (whose deps DVC refuses when missing), configs, rules and docstrings
    name files of the package; after a move none of them may point at the old place."""
    import re

    repository = PACKAGE_ROOT.parent
    sources = [repository / "README.md", repository / "dvc.yaml", *repository.glob("config/*.yaml"), *repository.glob("workflow/**/*.smk"),
               *repository.glob("workflow/report/*.rst"), *PACKAGE_ROOT.rglob("*.py"), *PACKAGE_ROOT.glob("*.yaml")]
    missing = []
    for source in sources:
        for match in re.finditer(r"(?<![\w./])qrnn/[\w/.]*\w", source.read_text()):
            if not (repository / match[0]).exists():
                missing.append(f"{source.relative_to(repository)}: {match[0]}")
    assert missing == []
