"""Warm sandbox worker: pre-imports pytest and the harness, then forks one child per job.

Protocol: one JSON request per line on stdin, one JSON reply per line on stdout.
Request: {"id", "dir", "mode", "timeout", "limits": {...}, "argv": [...] (mode "exec")}.
Reply:   {"id", "exit_code", "signal", "timed_out", "duration_s"}.
The child runs in its own session with rlimits, stdout/stderr to files in its job directory.
After each job every other process in the sandbox's PID namespace is killed (``--sweep``), so
nothing a job leaves running can touch the next job.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import resource
import runpy
import select
import signal
import sys
import time

import _pytest.junitxml  # noqa: F401  (pre-imported: forks start warm)
import _pytest.reports  # noqa: F401
import _pytest.runner  # noqa: F401
import pytest  # noqa: F401
import rhlab_harness

_LIMITS = {
    "cpu_s": resource.RLIMIT_CPU,
    "memory_bytes": resource.RLIMIT_AS,
    "file_bytes": resource.RLIMIT_FSIZE,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
}


def set_limits(limits: dict) -> None:
    for name, value in limits.items():
        if name in _LIMITS and value is not None:
            resource.setrlimit(_LIMITS[name], (int(value), int(value)))


def _child(req: dict) -> None:
    try:
        os.setsid()
        os.chdir(req["dir"])
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open("_rhlab_stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open("_rhlab_stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.closerange(3, 4096)
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        sys.path.insert(0, os.getcwd())
        set_limits(req.get("limits", {}))
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    except BaseException:
        os._exit(120)
    code = 1
    try:
        if req["mode"] == "exec":
            sys.argv = list(req["argv"])
            runpy.run_path(sys.argv[0], run_name="__main__")
            code = 0
        else:
            code = rhlab_harness.run(req["mode"])
    except SystemExit as exc:
        code = rhlab_harness.exit_status(exc)
    except BaseException:
        import traceback

        try:
            traceback.print_exc()
        except BaseException:
            pass
        code = 1
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(code)


def _sweep() -> None:
    """Kill every process in this PID namespace except this worker (bubblewrap runs it as PID 1
    with ``--as-pid-1``, the only mode that passes ``--sweep``)."""
    keep = {1, os.getpid()}
    for _ in range(50):
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in keep]
        if not others:
            return
        for p in others:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.001)


def handle(req: dict, sweep: bool) -> dict:
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(req)
    fd = os.pidfd_open(pid)
    ready, _, _ = select.select([fd], [], [], float(req.get("timeout", 10)))
    timed_out = not ready
    if timed_out:
        for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    duration = time.monotonic() - start
    if sweep:
        _sweep()
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    code = os.waitstatus_to_exitcode(status)
    return {"id": req.get("id"), "exit_code": code if code >= 0 else None,
            "signal": -code if code < 0 else None, "timed_out": timed_out,
            "duration_s": duration}


def main() -> None:
    sweep = "--sweep" in sys.argv
    try:  # PR_SET_DUMPABLE 0: jobs cannot ptrace the worker or take its pipes (pidfd_getfd)
        undumpable = ctypes.CDLL(None).prctl(4, 0, 0, 0, 0) == 0
    except OSError:
        undumpable = False
    if sweep and not undumpable:
        sys.exit("rhlab_worker: cannot make the worker non-dumpable")
    # The worker is PID 1 of its sandbox: signals from jobs reach it only where it has a handler,
    # and Python's SIGINT handler is the one it has by default.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = handle(json.loads(line), sweep)
        except Exception as exc:  # a broken request must not kill the worker
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
