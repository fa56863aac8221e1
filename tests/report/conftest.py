"""Shared fixtures of the report tests: the synthetic experiments (``tests/experiments/factory.py``)
and their reports, built once per session."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
import factory  # noqa: E402

from rhlab.report import write_report  # noqa: E402


@pytest.fixture(scope="session")
def eval_logs(tmp_path_factory):
    return factory.eval_logs(tmp_path_factory.mktemp("eval-logs"))


@pytest.fixture(scope="session")
def complete(tmp_path_factory, eval_logs) -> tuple[Path, Path]:
    """(experiment dir, index.html): three done cells, every planned evaluation, the base model."""
    exp = factory.build_experiment(tmp_path_factory.mktemp("complete") / "exp", eval_logs)
    return exp, write_report(exp)


@pytest.fixture(scope="session")
def broken(tmp_path_factory, eval_logs) -> tuple[Path, Path]:
    """(experiment dir, index.html): a cell listed but never started, a failed cell."""
    exp = factory.build_experiment(tmp_path_factory.mktemp("broken") / "exp", eval_logs,
                                   missing=True, failed=True)
    return exp, write_report(exp)
