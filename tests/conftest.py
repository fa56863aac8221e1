"""Shared test fixtures."""

from __future__ import annotations

import pytest

from rhlab.grading.episode import EpisodeGrader


@pytest.fixture(scope="module")
def grader():
    """One warm two-worker sandbox pool per test module."""
    with EpisodeGrader(2) as g:
        yield g
