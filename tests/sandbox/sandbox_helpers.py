"""Helpers shared by the sandbox tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import time

from rhlab.sandbox import Job, detect
from rhlab.types import ExecResult

SLACK_S = 1.0
"""Every call must return within its job's timeout plus this."""

HOST_SECRET_VAR = "RHLAB_TEST_HOST_SECRET"
HOST_SECRET = "host-secret-" + os.urandom(8).hex()


def backend_name() -> str:
    try:
        return detect().name
    except Exception as exc:  # noqa: BLE001  (no usable sandbox: say why in the skip)
        return f"none ({exc})"


def exec_job(code: str, *args: str, timeout: float = 2.0, files: dict | None = None) -> Job:
    return Job(files={"main.py": code, **(files or {})}, mode="exec", argv=("main.py", *args),
               timeout=timeout)


def timed(runner, job: Job) -> tuple[ExecResult, float]:
    """Run ``job``; the call itself must come back within the timeout plus ``SLACK_S``."""
    start = time.monotonic()
    result = runner(job)
    wall = time.monotonic() - start
    assert wall < job.timeout + SLACK_S, f"call took {wall:.2f}s (timeout {job.timeout}s)"
    return result.process, wall


def run(runner, code: str, *args: str, timeout: float = 2.0, files: dict | None = None) -> ExecResult:
    return timed(runner, exec_job(code, *args, timeout=timeout, files=files))[0]


def assert_healthy(runner, times: int = 3) -> None:
    """The runner still serves normal jobs correctly (several calls, so that with a pool the
    worker that ran the previous job is among them)."""
    for i in range(times):
        r = run(runner, "import sys\nprint(6 * int(sys.argv[1]))", str(i + 7), timeout=10.0)
        assert (r.error, r.exit_code, r.stdout, r.timed_out) == (None, 0, f"{6 * (i + 7)}\n", False)


def host_processes() -> list[tuple[int, int, list[str]]]:
    """(pid, real uid, argv) of every live (not zombie) process on the host."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                argv = [a.decode("utf-8", "replace") for a in fh.read().split(b"\0") if a]
        except (OSError, ValueError):
            continue
        if fields.get("State", "").strip().startswith(("Z", "X")):
            continue
        found.append((int(name), int(fields["Uid"].split()[0]), argv))
    return found


def processes_with_arg(arg: str) -> list[tuple[int, int, list[str]]]:
    return [p for p in host_processes() if arg in p[2]]


PID_NS_PROBE = "import os\nprint(os.readlink('/proc/self/ns/pid'), flush=True)\n"
"""Prefix for attack code: prints the sandbox's PID namespace first (``pid:[inode]``), so the
host can look for survivors of exactly that sandbox afterwards."""


def processes_in_pid_namespace(ns: str) -> list[tuple[int, int, list[str]]]:
    """Live host processes in the PID namespace ``ns`` (as ``readlink /proc/PID/ns/pid``)."""
    found = []
    for pid, uid, argv in host_processes():
        try:
            if os.readlink(f"/proc/{pid}/ns/pid") == ns:
                found.append((pid, uid, argv))
        except OSError:
            continue
    return found
