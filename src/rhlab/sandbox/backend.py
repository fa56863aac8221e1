"""How a sandboxed process is started: the bubblewrap command line, or the unsafe fallback.

A sandbox *root* is a host directory, readable by the sandbox uid, holding a copy of the runtime
(``runtime/``) and one work directory per worker. Inside bubblewrap the runtime is ``/rhlab``
(read-only) and the work directory is ``/work`` (the only writable place besides a private
``/tmp``).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

RUNTIME_SRC = Path(__file__).parent / "runtime"
UID_BASE = 61000


@dataclass(frozen=True)
class Limits:
    """Resource limits applied to every sandboxed job (per process; ``processes`` per uid)."""

    cpu_s: int = 20
    memory_bytes: int = 1 << 30
    file_bytes: int = 16 << 20
    processes: int = 48
    open_files: int = 64
    output_bytes: int = 64 << 10
    """How much of stdout/stderr is kept; the rest is dropped (and flagged as truncated)."""

    def rlimits(self) -> dict[str, int]:
        return {"cpu_s": self.cpu_s, "memory_bytes": self.memory_bytes,
                "file_bytes": self.file_bytes, "processes": self.processes,
                "open_files": self.open_files}


@dataclass(frozen=True)
class Backend:
    name: str  # "bwrap" or "unsafe-local"
    python: str
    is_root: bool
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def isolates(self) -> bool:
        return self.name == "bwrap"

    def env(self, runtime: str) -> dict[str, str]:
        return {"PATH": "/usr/bin:/bin", "PYTHONPATH": runtime, "PYTHONDONTWRITEBYTECODE": "1",
                "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "HOME": "/tmp", "LANG": "C.UTF-8",
                "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8", **self.extra_env}

    def command(self, uid: int, root: Path, workdir: Path, argv: list[str],
                cwd: str = "/work", info_fd: int | None = None) -> list[str]:
        """Full host command that runs ``argv`` (argv[0] is the sandbox python) for ``uid``,
        starting in ``cwd`` (a path as seen inside). With ``info_fd``, bubblewrap writes its
        JSON info (``child-pid``: the host pid of the sandbox's PID 1) there."""
        prefix = (["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
                  if self.is_root else [])
        if self.name != "bwrap":
            return prefix + argv
        # --as-pid-1: no bubblewrap reaper inside (it would be dumpable, share the job's uid and
        # hold bubblewrap's status fd and the worker's pipes, which a job could take with
        # pidfd_getfd to forge results); the command is PID 1 and must not be dumpable.
        cmd = ["bwrap", "--unshare-all", "--as-pid-1", "--die-with-parent", "--new-session",
               "--ro-bind", "/usr", "/usr"]
        if info_fd is not None:
            cmd += ["--info-fd", str(info_fd)]
        for link in ("lib", "lib64", "bin", "sbin"):
            if os.path.islink(f"/{link}"):
                cmd += ["--symlink", os.readlink(f"/{link}").lstrip("/"), f"/{link}"]
        cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--ro-bind", str(root / "runtime"), "/rhlab",
                "--bind", str(workdir), "/work", "--chdir", cwd, "--clearenv"]
        for key, value in self.env("/rhlab").items():
            cmd += ["--setenv", key, value]
        return prefix + cmd + ["--"] + argv

    def inside(self, root: Path, workdir: Path, path: Path) -> str:
        """The path a process in the sandbox sees for host ``path`` under ``workdir``."""
        if self.name != "bwrap":
            return str(path)
        return "/work/" + str(path.relative_to(workdir)) if path != workdir else "/work"

    def runtime(self, root: Path) -> str:
        return "/rhlab" if self.name == "bwrap" else str(root / "runtime")


def _python_has_pytest(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import pytest"], capture_output=True,
                              timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.cache
def detect(force_unsafe: bool = False) -> Backend:
    """Pick bubblewrap when it runs here, else the unsafe fallback (with a loud warning).

    ``RHLAB_SANDBOX_PYTHON`` names the interpreter used inside (default ``/usr/bin/python3``; it
    must live under /usr and have pytest). ``RHLAB_SANDBOX=unsafe`` forces the fallback.
    """
    is_root = os.geteuid() == 0
    python = os.environ.get("RHLAB_SANDBOX_PYTHON", "/usr/bin/python3")
    unsafe = force_unsafe or os.environ.get("RHLAB_SANDBOX") == "unsafe"
    if not unsafe and shutil.which("bwrap") and python.startswith("/usr/"):
        backend = Backend("bwrap", python, is_root)
        if _probe(backend):
            if not _python_has_pytest(python):
                raise RuntimeError(f"{python} has no pytest: install it (Debian: apt-get install "
                                   "python3-pytest) or set RHLAB_SANDBOX_PYTHON")
            return backend
        log.warning("bubblewrap is installed but does not start here; using the unsafe fallback")
    import sys

    python = python if python.startswith("/usr/") and _python_has_pytest(python) else sys.executable
    warnings.warn("rhlab sandbox: bubblewrap unavailable -> UNSAFE fallback. Model code runs "
                  "WITHOUT filesystem, network or PID isolation (only rlimits"
                  + (" and a separate uid" if is_root else "") + "). Install bubblewrap.",
                  RuntimeWarning, stacklevel=2)
    return Backend("unsafe-local", python, is_root)


def _probe(backend: Backend) -> bool:
    root = make_root()
    try:
        workdir = make_workdir(root, "probe", UID_BASE + 999, backend)
        cmd = backend.command(UID_BASE + 999, root, workdir, [backend.python, "-c", "pass"])
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        shutil.rmtree(root, ignore_errors=True)


def make_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="rhlab-sbx-"))
    root.chmod(0o711)
    runtime = root / "runtime"
    runtime.mkdir()
    for src in RUNTIME_SRC.glob("*.py"):
        shutil.copyfile(src, runtime / src.name)
        (runtime / src.name).chmod(0o644)
    runtime.chmod(0o755)
    return root


def make_workdir(root: Path, name: str, uid: int, backend: Backend) -> Path:
    workdir = root / name
    workdir.mkdir(mode=0o700)
    if backend.is_root:
        os.chown(workdir, uid, uid)
    return workdir
