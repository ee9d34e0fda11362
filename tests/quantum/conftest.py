"""Every engine test here runs on both CPU paths (tests/engine_paths.py)."""

import pytest

from tests.engine_paths import engine_path  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def _both_engine_paths(engine_path):  # noqa: F811
    return engine_path
