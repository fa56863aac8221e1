"""A pool of warm sandbox workers, one sandbox (and one uid) each, that fork per job.

Each worker is one long-lived bubblewrap sandbox running ``rhlab_worker.py`` with pytest and the
harness pre-imported; a job costs a fork instead of a sandbox and interpreter start. A worker
that dies or stops answering is killed and replaced; its job is reported with ``error`` set.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Queue
from typing import Iterable

from rhlab.sandbox import backend as bk
from rhlab.sandbox.jobs import Job, JobResult, collect, lay_out, remove
from rhlab.types import ExecResult

_GRACE_S = 5.0
_START_TIMEOUT_S = 60.0


class _Worker:
    def __init__(self, index: int, root: Path, backend: bk.Backend):
        self.uid = bk.UID_BASE + index
        self.backend = backend
        self.root = root
        self.workdir = bk.make_workdir(root, f"w{index}", self.uid, backend)
        self.proc: subprocess.Popen | None = None
        self.jobs = itertools.count()

    def start(self) -> None:
        runtime = self.backend.runtime(self.root)
        argv = [self.backend.python, "-s", "-B", f"{runtime}/rhlab_worker.py"]
        if self.backend.isolates:
            argv.append("--sweep")
        cmd = self.backend.command(self.uid, self.root, self.workdir, argv)
        env = None if self.backend.isolates else self.backend.env(runtime)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=self.workdir, env=env,
                                     start_new_session=True)
        if self._readline(_START_TIMEOUT_S) is None:
            self.stop()
            raise RuntimeError("sandbox worker did not start")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        self.proc = None

    def _readline(self, timeout: float) -> dict | None:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        if not line:
            return None
        try:
            return json.loads(line)
        except ValueError:
            return None

    def _purge(self) -> None:
        """Delete whatever earlier jobs left in the work directory (``/work`` is writable by the
        sandbox uid, so a job could otherwise plant the next job's directory). Runs between jobs,
        when the sweep has left no sandbox process but the worker; never follows a symlink."""
        try:
            entries = list(os.scandir(self.workdir))
        except OSError:
            return
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass

    def run(self, job: Job, limits: bk.Limits) -> JobResult:
        if self.proc is None or self.proc.poll() is not None:
            self.stop()
            self.start()
        self._purge()
        jobdir = self.workdir / f"job{next(self.jobs)}-{secrets.token_hex(8)}"
        lay_out(job, jobdir, self.uid if self.backend.is_root else None)
        request = {"id": jobdir.name, "dir": self.backend.inside(self.root, self.workdir, jobdir),
                   "mode": job.mode, "timeout": job.timeout, "limits": limits.rlimits(),
                   "argv": list(job.argv)}
        start = time.monotonic()
        reply = None
        try:
            assert self.proc is not None and self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            reply = self._readline(job.timeout + _GRACE_S)
        except (OSError, ValueError):
            reply = None
        try:
            stdout, out_cut, stderr, err_cut, artifacts = collect(jobdir, limits.output_bytes)
        finally:
            remove(jobdir)
        if reply is not None and "error" not in reply and reply.get("id") != request["id"]:
            reply = {"error": "sandbox worker sent a reply for another job"}
        if reply is None or "error" in reply:
            self.stop()  # replaced on the next job
            why = reply["error"] if reply else "sandbox worker died or stopped answering"
            return JobResult(ExecResult(
                exit_code=None, signal=None, timed_out=time.monotonic() - start >= job.timeout,
                stdout=stdout, stderr=stderr, duration_s=time.monotonic() - start,
                stdout_truncated=out_cut, stderr_truncated=err_cut, backend=self.backend.name,
                error=why), artifacts)
        return JobResult(ExecResult(
            exit_code=reply["exit_code"], signal=reply["signal"], timed_out=reply["timed_out"],
            stdout=stdout, stderr=stderr, duration_s=reply["duration_s"],
            stdout_truncated=out_cut, stderr_truncated=err_cut, backend=self.backend.name),
            artifacts)


class SandboxPool:
    """``run(job)`` from any thread; ``map(jobs)`` runs them on all workers in parallel.

    Use as a context manager, or call ``close()``: workers are sandboxes that hold processes.
    """

    def __init__(self, workers: int | None = None, limits: bk.Limits = bk.Limits(),
                 backend: bk.Backend | None = None):
        self.backend = backend or bk.detect()
        self.limits = limits
        self.size = workers or max(1, min(os.cpu_count() or 1, 8))
        self.root = bk.make_root()
        self._idle: Queue[_Worker] = Queue()
        self._workers = [_Worker(i, self.root, self.backend) for i in range(self.size)]
        for worker in self._workers:
            self._idle.put(worker)
        self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="rhlab-sandbox")
        self._lock = threading.Lock()
        self._closed = False

    def run(self, job: Job) -> JobResult:
        worker = self._idle.get()
        try:
            return worker.run(job, self.limits)
        finally:
            self._idle.put(worker)

    def map(self, jobs: Iterable[Job]) -> list[JobResult]:
        return list(self._executor.map(self.run, jobs))

    def submit(self, job: Job):
        return self._executor.submit(self.run, job)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._executor.shutdown(wait=True)
        for worker in self._workers:
            worker.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "SandboxPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
