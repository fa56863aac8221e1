"""Fixtures for the sandbox tests: every test runs on both paths, the cold one-shot sandbox
(``run_job``) and a warm forking worker (one module-scoped ``SandboxPool``)."""

from __future__ import annotations

import os

import pytest
from sandbox_helpers import HOST_SECRET, HOST_SECRET_VAR

from rhlab.sandbox import SandboxPool, run_job

# A secret in the environment of the process that starts the sandboxes: it must not reach them
# (checked by the read attacks).
os.environ[HOST_SECRET_VAR] = HOST_SECRET


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(2) as p:
        yield p


@pytest.fixture(params=["cold", "warm"])
def runner(request):
    """``runner(job) -> JobResult`` on the cold or the warm path."""
    if request.param == "cold":
        return run_job
    return request.getfixturevalue("pool").run
