"""Run one job in a fresh sandboxed process (no warm worker): simple, and ~10x slower."""

from __future__ import annotations

import itertools
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
        if backend.isolates:  # a non-dumpable PID 1 that runs the job (see rhlab_init.py)
            argv = [backend.python, "-I", "-S", "-B", f"{backend.runtime(root)}/rhlab_init.py", *argv]
        cmd = backend.command(uid, root, workdir, argv, cwd=inner)
        return _run(cmd, inner if backend.name == "bwrap" else str(jobdir), jobdir, job, limits,
                    backend)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(cmd: list[str], cwd_inside: str, jobdir: Path, job: Job, limits: bk.Limits,
         backend: bk.Backend) -> JobResult:
    with tempfile.TemporaryDirectory(prefix="rhlab-out-") as outdir:
        out_path, err_path = Path(outdir, "stdout"), Path(outdir, "stderr")
        env = None if backend.name == "bwrap" else backend.env(backend.runtime(jobdir.parent.parent))
        start = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    cwd=None if backend.name == "bwrap" else cwd_inside, env=env,
                                    start_new_session=True, preexec_fn=_preexec(limits))
            try:
                proc.wait(timeout=job.timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                proc.wait()
        duration = time.monotonic() - start
        stdout, out_cut = read_bounded(out_path, limits.output_bytes)
        stderr, err_cut = read_bounded(err_path, limits.output_bytes)
    _, _, _, _, artifacts = collect(jobdir, limits.output_bytes)
    code = proc.returncode
    return JobResult(ExecResult(
        exit_code=code if code >= 0 else None, signal=-code if code < 0 else None,
        timed_out=timed_out, stdout=stdout, stderr=stderr, duration_s=duration,
        stdout_truncated=out_cut, stderr_truncated=err_cut, backend=backend.name), artifacts)
