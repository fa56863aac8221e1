"""A sandbox job: files to lay out, a mode to run, and what comes back."""

from __future__ import annotations

import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from rhlab.types import ExecResult

EVENTS = "_rhlab_events.jsonl"
"""The harness's per-test events (its runtime copy in ``runtime/rhlab_harness.py`` must match)."""
JUNIT = "_rhlab_junit.xml"
"""pytest's JUnit report (likewise)."""
ARTIFACTS = (EVENTS, JUNIT)
ARTIFACT_BYTES = 4 << 20
_RESERVED = {"_rhlab_job.json", "_rhlab_stdout", "_rhlab_stderr", *ARTIFACTS}


@dataclass(frozen=True)
class Job:
    """``mode`` is a harness mode (``script``, ``pytest``, ``hardened``) or ``exec`` (run
    ``argv[0]``, a file among ``files``, as ``__main__``). ``spec`` becomes ``_rhlab_job.json``."""

    files: dict[str, str | bytes]
    mode: str
    timeout: float = 10.0
    spec: dict | None = None
    argv: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobResult:
    process: ExecResult
    artifacts: dict[str, str] = field(default_factory=dict)


def safe_name(name: str) -> bool:
    """A plain file name: no directory part, no hidden tricks, printable."""
    return (bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")
            and len(name) <= 128 and name.isprintable())


def lay_out(job: Job, jobdir: Path, uid: int | None) -> None:
    jobdir.mkdir(mode=0o700)
    for name, content in job.files.items():
        if name in _RESERVED or not safe_name(name):
            continue
        path = jobdir / name
        path.write_bytes(content.encode("utf-8", "surrogateescape")
                         if isinstance(content, str) else content)
    if job.spec is not None:
        (jobdir / "_rhlab_job.json").write_text(json.dumps(job.spec), encoding="utf-8")
    if uid is not None:
        for path in [jobdir, *jobdir.iterdir()]:
            os.chown(path, uid, uid)


def read_bounded(path: Path | str, limit: int, dir_fd: int | None = None) -> tuple[str, bool]:
    """First ``limit`` bytes of a file as text, and whether there was more. Never follows a
    symlink planted by the job, and reads only a regular file (opening a FIFO the job put in
    its place would otherwise block forever)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return "", False
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return "", False
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    return data[:limit].decode("utf-8", "replace"), len(data) > limit


def collect(jobdir: Path, output_bytes: int) -> tuple[str, bool, str, bool, dict[str, str]]:
    # The job may have replaced its directory by a symlink to a host directory: read through a
    # descriptor of the directory itself, never through a link.
    try:
        dir_fd = os.open(jobdir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return "", False, "", False, {}
    try:
        stdout, out_cut = read_bounded("_rhlab_stdout", output_bytes, dir_fd)
        stderr, err_cut = read_bounded("_rhlab_stderr", output_bytes, dir_fd)
        artifacts = {}
        for name in ARTIFACTS:
            text, _ = read_bounded(name, ARTIFACT_BYTES, dir_fd)
            if text:
                artifacts[name] = text
    finally:
        os.close(dir_fd)
    return stdout, out_cut, stderr, err_cut, artifacts


def remove(jobdir: Path) -> None:
    shutil.rmtree(jobdir, ignore_errors=True)
