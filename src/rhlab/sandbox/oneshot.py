"""Run one job in a fresh sandboxed process (no warm worker): simple, and ~10x slower."""

from __future__ import annotations

import itertools
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from rhlab.sandbox import backend as bk
from rhlab.sandbox.jobs import Job, JobResult, collect, lay_out, read_bounded
from rhlab.types import ExecResult

_counter = itertools.count()
_RLIMITS = {"cpu_s": resource.RLIMIT_CPU, "memory_bytes": resource.RLIMIT_AS,
            "file_bytes": resource.RLIMIT_FSIZE, "processes": resource.RLIMIT_NPROC,
            "open_files": resource.RLIMIT_NOFILE}


def _preexec(limits: bk.Limits):
    def apply() -> None:
        for name, value in limits.rlimits().items():
            resource.setrlimit(_RLIMITS[name], (value, value))

    return apply


def run_job(job: Job, limits: bk.Limits = bk.Limits(), backend: bk.Backend | None = None) -> JobResult:
    backend = backend or bk.detect()
    uid = bk.UID_BASE + 500 + (os.getpid() * 7 + next(_counter)) % 400
    root = bk.make_root()
    try:
        workdir = bk.make_workdir(root, "w", uid, backend)
        jobdir = workdir / "job"
        lay_out(job, jobdir, uid if backend.is_root else None)
        inner = backend.inside(root, workdir, jobdir)
        if job.mode == "exec":
            argv = [backend.python, "-s", "-B", *job.argv]
        else:
            argv = [backend.python, "-s", "-B", f"{backend.runtime(root)}/rhlab_harness.py", job.mode]
        info_r, info_w = os.pipe() if backend.isolates else (None, None)
        status_r, status_w = os.pipe() if backend.isolates else (None, None)
        if backend.isolates:  # a non-dumpable PID 1 that runs the job (see rhlab_init.py)
            argv = [backend.python, "-I", "-S", "-B", f"{backend.runtime(root)}/rhlab_init.py",
                    "--status-fd", str(status_w), *argv]
        try:
            cmd = backend.command(uid, root, workdir, argv, cwd=inner, info_fd=info_w)
            return _run(cmd, inner if backend.name == "bwrap" else str(jobdir), jobdir, job,
                        limits, backend, info_r, info_w, status_r, status_w)
        finally:
            for fd in (info_r, info_w, status_r, status_w):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _kill(proc: subprocess.Popen, info_r: int | None) -> None:
    """Kill a timed-out sandbox and return once every process in it is gone.

    Killing the sandbox's PID 1 makes the kernel kill and reap everything in its PID namespace
    before bubblewrap (which waits for it) exits. Killing bubblewrap instead would return at
    once, while the processes inside were still being killed."""
    pid1 = None
    if info_r is not None:
        try:
            os.set_blocking(info_r, False)
            pid1 = int(json.loads(os.read(info_r, 1 << 16))["child-pid"])
        except (OSError, ValueError, KeyError, TypeError):
            pid1 = None
    if pid1:
        try:
            pidfd = os.pidfd_open(pid1)
        except OSError:
            pidfd = None
        if pidfd is not None:
            try:
                if proc.poll() is None:  # bwrap has not reaped it: pid1 is still the sandbox's
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            except OSError:
                pass
            finally:
                os.close(pidfd)
        try:
            proc.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()


def _wait_status(status_r: int | None, fallback: int) -> int:
    """The job's exit code from the init's status pipe (negative for a signal), else bwrap's."""
    if status_r is None:
        return fallback
    try:
        os.set_blocking(status_r, False)
        return os.waitstatus_to_exitcode(int(os.read(status_r, 64).split()[0]))
    except (OSError, ValueError, IndexError):
        return fallback


def _run(cmd: list[str], cwd_inside: str, jobdir: Path, job: Job, limits: bk.Limits,
         backend: bk.Backend, info_r: int | None = None, info_w: int | None = None,
         status_r: int | None = None, status_w: int | None = None) -> JobResult:
    """``info_w`` and ``status_w`` (kept open by the caller) are passed to the sandbox."""
    with tempfile.TemporaryDirectory(prefix="rhlab-out-") as outdir:
        out_path, err_path = Path(outdir, "stdout"), Path(outdir, "stderr")
        env = None if backend.name == "bwrap" else backend.env(backend.runtime(jobdir.parent.parent))
        start = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    cwd=None if backend.name == "bwrap" else cwd_inside, env=env,
                                    start_new_session=True, preexec_fn=_preexec(limits),
                                    pass_fds=tuple(fd for fd in (info_w, status_w) if fd is not None))
            try:
                proc.wait(timeout=job.timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill(proc, info_r)
        duration = time.monotonic() - start
        stdout, out_cut = read_bounded(out_path, limits.output_bytes)
        stderr, err_cut = read_bounded(err_path, limits.output_bytes)
    _, _, _, _, artifacts = collect(jobdir, limits.output_bytes)
    code = -signal.SIGKILL if timed_out else _wait_status(status_r, proc.returncode)
    return JobResult(ExecResult(
        exit_code=code if code >= 0 else None, signal=-code if code < 0 else None,
        timed_out=timed_out, stdout=stdout, stderr=stderr, duration_s=duration,
        stdout_truncated=out_cut, stderr_truncated=err_cut, backend=backend.name), artifacts)
