"""Adversarial tests: hostile code must be contained, and every call must come back within its
timeout plus one second. Each attack runs on both paths: the cold one-shot sandbox
(``run_job``) and a warm forking worker (one module-scoped ``SandboxPool``).

The attacks never do anything destructive to the host if they were to escape: they create new
files under unique names (removed afterwards) and only *open* existing host files for writing.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import secrets
import selectors
import shutil
import signal
import socket
import stat
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pytest
from sandbox_helpers import (
    HOST_SECRET,
    HOST_SECRET_VAR,
    PID_NS_PROBE,
    assert_healthy,
    backend_name,
    processes_in_pid_namespace,
    processes_with_arg,
    run,
    timed,
)

from rhlab.sandbox import Job, Limits, SandboxPool, detect, run_job
from rhlab.sandbox.backend import UID_BASE

pytestmark = pytest.mark.skipif(backend_name() != "bwrap",
                                reason=f"needs the bubblewrap sandbox (backend: {backend_name()})")

PROJECT_DIR = Path(__file__).resolve().parents[2]


def last_json(stdout: str) -> dict:
    assert stdout.strip(), "the attack printed nothing"
    return json.loads(stdout.strip().splitlines()[-1])


def assert_sandbox_emptied(runner, stdout: str) -> None:
    """Nothing the job started survives it: a cold sandbox's PID namespace is gone, a warm
    worker's holds the worker alone. ``stdout`` starts with the line ``PID_NS_PROBE`` printed."""
    ns = stdout.splitlines()[0]
    assert ns.startswith("pid:["), ns
    survivors = processes_in_pid_namespace(ns)
    if runner is run_job:
        assert survivors == [], f"processes outlived the cold sandbox: {survivors}"
    else:  # the worker (and a bubblewrap reaper, if the sandbox has one)
        others = [p for p in survivors if not (p[2] and p[2][0].endswith("bwrap"))]
        assert len(others) == 1 and "rhlab_worker.py" in " ".join(others[0][2]), (
            f"processes outlived the job in the warm worker: {survivors}")


@pytest.fixture
def host_dir():
    """A world-writable host directory with a world-writable marker file: only the sandbox's
    file system isolation (not the uid) keeps the job away from it."""
    path = Path(tempfile.mkdtemp(prefix="rhlab-host-"))
    path.chmod(0o777)
    marker = path / "marker.txt"
    marker.write_text("host marker " + secrets.token_hex(8))
    marker.chmod(0o666)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def snapshot(path: Path) -> tuple:
    st = path.stat()
    return (stat.S_IMODE(st.st_mode), st.st_uid, st.st_size, st.st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else
            sorted(os.listdir(path)))


# --- file system: writes -------------------------------------------------------------------

WRITE_ATTACK = r'''
import json, os, sys
marker_dir, token = sys.argv[1], sys.argv[2]
marker = os.path.join(marker_dir, "marker.txt")
res = {}

def attempt(name, fn):
    try:
        fn()
        res[name] = "ok"
    except BaseException as exc:
        res[name] = type(exc).__name__

def create(path):
    with open(path, "x") as fh:
        fh.write("escaped " + token)

def open_for_write(path):  # opens an existing file for writing, writes nothing
    os.close(os.open(path, os.O_WRONLY | os.O_APPEND))

for where in ("/usr", "/usr/lib", "/root", "/tmp", "/etc", "/", "/rhlab", marker_dir):
    attempt("create " + where, lambda: create(os.path.join(where, "rhlab-escape-" + token)))
attempt("open /etc/passwd", lambda: open_for_write("/etc/passwd"))
attempt("open /usr/bin/python3", lambda: open_for_write(os.path.realpath("/usr/bin/python3")))
attempt("open runtime", lambda: open_for_write("/rhlab/rhlab_worker.py"))
attempt("read marker", lambda: open(marker).read())
attempt("overwrite marker", lambda: open(marker, "w").write("pwned"))
attempt("append marker", lambda: open(marker, "a").write("pwned"))
attempt("truncate marker", lambda: os.truncate(marker, 0))
attempt("chmod marker", lambda: os.chmod(marker, 0o000))
attempt("utime marker", lambda: os.utime(marker, (0, 0)))
attempt("rename marker", lambda: os.rename(marker, marker + ".moved"))
attempt("unlink marker", lambda: os.unlink(marker))
attempt("list marker dir", lambda: os.listdir(marker_dir))
attempt("read via /proc/1/root", lambda: open("/proc/1/root" + marker).read())
attempt("read via /proc/self/root", lambda: open("/proc/self/root" + marker).read())
attempt("read via /proc/1/cwd", lambda: os.listdir("/proc/1/cwd/.." + marker_dir))
os.symlink(marker, "link")
attempt("read via symlink", lambda: open("link").read())
attempt("chroot", lambda: os.chroot("/tmp"))
print(json.dumps(res))
'''


def test_write_outside_workdir_is_contained(runner, host_dir):
    token = secrets.token_hex(8)
    marker = host_dir / "marker.txt"
    escapes = [Path(d, f"rhlab-escape-{token}") for d in ("/usr", "/usr/lib", "/root", "/tmp",
                                                            "/etc", "/", host_dir)]
    watched = [marker, host_dir, Path("/etc/passwd"), Path(os.path.realpath("/usr/bin/python3"))]
    before = {p: snapshot(p) for p in watched}
    try:
        r = run(runner, WRITE_ATTACK, str(host_dir), token)
        assert r.exit_code == 0, r.stderr
        res = last_json(r.stdout)
        # inside: nothing of the host is there to touch, /usr and the runtime are read-only
        for name, outcome in res.items():
            if name in ("create /tmp", "create /"):
                assert outcome == "ok"  # the sandbox's own private tmpfs: allowed, not the host's
            else:
                assert outcome != "ok", f"{name} succeeded inside the sandbox"
        for name in ("read marker", "overwrite marker", "unlink marker", "list marker dir",
                     "read via /proc/self/root", "read via symlink"):
            assert res[name] == "FileNotFoundError", (name, res[name])
        # PID 1 (the warm worker or the cold init) is not dumpable: its /proc entries are closed
        assert res["read via /proc/1/root"] in ("FileNotFoundError", "PermissionError")
        # outside: the host did not change
        for path in escapes:
            assert not os.path.lexists(path), f"the job created {path} on the host"
        assert {p: snapshot(p) for p in watched} == before
    finally:
        for path in escapes:
            if os.path.lexists(path):
                os.unlink(path)


# --- file system and environment: reads ----------------------------------------------------

READ_ATTACK = r'''
import json, os, sys
project = sys.argv[1]
res = {}

def attempt(name, fn):
    try:
        res[name] = ["ok", fn()]
    except BaseException as exc:
        res[name] = [type(exc).__name__, None]

attempt("/etc/shadow", lambda: open("/etc/shadow").read())
attempt("/etc/passwd", lambda: open("/etc/passwd").read())
attempt("/root", lambda: os.listdir("/root"))
attempt("/root/.bashrc", lambda: open("/root/.bashrc").read())
attempt("project", lambda: os.listdir(project))
attempt("project file", lambda: open(os.path.join(project, "pyproject.toml")).read())
attempt("/proc/1/environ", lambda: open("/proc/1/environ", "rb").read().decode("latin-1"))
attempt("/proc/self/environ", lambda: open("/proc/self/environ", "rb").read().decode("latin-1"))
attempt("/proc/1/cmdline", lambda: open("/proc/1/cmdline", "rb").read().decode("latin-1"))
attempt("/", lambda: sorted(os.listdir("/")))
attempt("/work", lambda: sorted(os.listdir("/work")))
attempt("processes", lambda: sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
res["environ"] = dict(os.environ)
res["uid"] = [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()]
print(json.dumps(res))
'''

ALLOWED_ENV = {"PATH", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
               "HOME", "LANG", "PYTHONHASHSEED", "PYTHONIOENCODING", "PWD"}


def test_host_files_and_environment_are_not_readable(runner):
    assert os.environ[HOST_SECRET_VAR] == HOST_SECRET  # the host really holds the secret
    r = run(runner, READ_ATTACK, str(PROJECT_DIR))
    assert r.exit_code == 0, r.stderr
    res = last_json(r.stdout)
    for name in ("/etc/shadow", "/etc/passwd", "/root/.bashrc", "project", "project file"):
        assert res[name][0] == "FileNotFoundError", (name, res[name])
    assert res["/root"][0] == "FileNotFoundError" or res["/root"][1] == []
    assert set(res["/"][1]) <= {"usr", "lib", "lib64", "bin", "sbin", "proc", "dev", "tmp",
                                "rhlab", "work", "etc", "root"}
    assert len(res["/work"][1]) == 1  # its own job directory, nothing else
    # only the job's own processes (and the sandbox's PID 1) are visible
    assert len(res["processes"][1]) <= 3 and 1 in res["processes"][1]
    env = res["environ"]
    assert set(env) <= ALLOWED_ENV, set(env) - ALLOWED_ENV
    assert env["HOME"] == "/tmp" and env["HOME"] != os.environ.get("HOME")
    assert "pyenv" not in env["PATH"] and env["PATH"] == "/usr/bin:/bin"
    # the host's environment reaches no process in the sandbox, not even through /proc
    for name in ("/proc/1/environ", "/proc/self/environ", "/proc/1/cmdline"):
        text = res[name][1] or ""
        assert HOST_SECRET not in text and HOST_SECRET_VAR not in text, name
        assert "pyenv" not in text and "HOME=/root" not in text, name
    assert HOST_SECRET not in r.stdout + r.stderr
    if os.geteuid() == 0:
        uid = res["uid"]
        assert uid[0] == uid[1] == uid[2] and uid[0] >= UID_BASE and uid[3] == []


# --- network -------------------------------------------------------------------------------

class HostListener:
    """TCP, UDP and abstract unix sockets on the host's loopback that record anything that
    reaches them. The thread stops on ``close()`` or after ``limit_s`` at the latest."""

    def __init__(self, limit_s: float = 30.0):
        self.received: list[tuple[str, bytes]] = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix_name = "rhlab-test-" + secrets.token_hex(8)
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.unix_name)
        self.unix.listen()
        self.selector = selectors.DefaultSelector()
        for sock in (self.tcp, self.udp, self.unix):
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ)
        self._stop = threading.Event()
        self._deadline = time.monotonic() + limit_s
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def ports(self) -> tuple[int, int]:
        return self.tcp.getsockname()[1], self.udp.getsockname()[1]

    def _serve(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            for key, _ in self.selector.select(timeout=0.05):
                sock = key.fileobj
                try:
                    if sock is self.udp:
                        self.received.append(("udp", sock.recv(4096)))
                        continue
                    conn, _ = sock.accept()
                    conn.settimeout(0.5)
                    try:
                        data = conn.recv(4096)
                    except OSError:
                        data = b""
                    conn.close()
                    self.received.append(("tcp" if sock is self.tcp else "unix", data))
                except OSError:
                    pass

    def close(self) -> None:
        time.sleep(0.1)  # anything already in flight lands first
        self._stop.set()
        self._thread.join(timeout=2.0)
        assert not self._thread.is_alive()
        for sock in (self.tcp, self.udp, self.unix):
            sock.close()


NET_ATTACK = r'''
import json, socket, sys
tcp_port, udp_port, unix_name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
res = {}
try:
    s = socket.create_connection(("127.0.0.1", tcp_port), timeout=1.0)
    s.sendall(b"LEAK")
    s.close()
    res["tcp"] = "ok"
except OSError as exc:
    res["tcp"] = type(exc).__name__
try:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(3):
        u.sendto(b"LEAK", ("127.0.0.1", udp_port))
    res["udp"] = "sent"
except OSError as exc:
    res["udp"] = type(exc).__name__
try:
    x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    x.settimeout(1.0)
    x.connect("\0" + unix_name)
    x.sendall(b"LEAK")
    res["unix"] = "ok"
except OSError as exc:
    res["unix"] = type(exc).__name__
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1.0)
    res["internet"] = "ok"
except OSError as exc:
    res["internet"] = type(exc).__name__
res["interfaces"] = [name for _, name in socket.if_nameindex()]
print(json.dumps(res))
'''


def test_network_to_host_loopback_is_blocked(runner):
    listener = HostListener()
    try:
        tcp_port, udp_port = listener.ports
        r = run(runner, NET_ATTACK, str(tcp_port), str(udp_port), listener.unix_name,
                timeout=5.0)
    finally:
        listener.close()
    assert r.exit_code == 0, r.stderr
    res = last_json(r.stdout)
    assert res["tcp"] == "ConnectionRefusedError"  # its own, empty, loopback
    assert res["unix"] == "ConnectionRefusedError"
    assert res["internet"] != "ok"
    assert res["interfaces"] == ["lo"]
    assert listener.received == []


# --- processes -----------------------------------------------------------------------------

FORK_BOMB = PID_NS_PROBE + """
while True:
    try:
        os.fork()
    except OSError:
        pass
"""


def test_fork_bomb_is_contained(runner):
    r = run(runner, FORK_BOMB, timeout=2.0)
    assert r.timed_out and r.exit_code is None and r.error is None
    assert_sandbox_emptied(runner, r.stdout)
    assert_healthy(runner)


def test_fork_bomb_hits_the_process_limit(runner):
    code = PID_NS_PROBE + """
import time
n = 0
try:
    while n < 10000:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as exc:
    print(n, type(exc).__name__, flush=True)
"""
    r = run(runner, code, timeout=3.0)
    count, error = r.stdout.splitlines()[1].split()
    assert error == "BlockingIOError" and 0 < int(count) < Limits().processes
    assert not r.timed_out
    assert_sandbox_emptied(runner, r.stdout)
    assert_healthy(runner)


@pytest.mark.parametrize("code", [
    "b = bytearray(10 * 2**30)\nprint(len(b))",
    "chunks = []\nfor _ in range(40):\n    chunks.append(b'x' * (256 << 20))\nprint(len(chunks))",
    "import mmap\nm = mmap.mmap(-1, 10 * 2**30)\nm[::4096] = b'x' * (10 * 2**30 // 4096)",
], ids=["bytearray", "incremental", "mmap"])
def test_memory_bomb_is_contained(runner, code):
    r = run(runner, code, timeout=10.0)
    assert r.exit_code != 0 and not r.timed_out and r.error is None
    assert ("MemoryError" in r.stderr or "Cannot allocate memory" in r.stderr
            or r.signal is not None or r.exit_code > 128), r
    assert_healthy(runner, times=1)


def test_cpu_spin_times_out(runner):
    r, wall = timed(runner, Job(files={"main.py": PID_NS_PROBE + "while True:\n    pass\n"},
                                mode="exec", argv=("main.py",), timeout=2.0))
    assert r.timed_out and r.exit_code is None and r.error is None
    assert 2.0 <= wall
    assert_sandbox_emptied(runner, r.stdout)


GRANDCHILD_POPEN = PID_NS_PROBE + """
import subprocess, sys
subprocess.Popen(["sleep", sys.argv[1]])  # inherits (and keeps) stdout and stderr
print("parent done", flush=True)
"""

GRANDCHILD_DOUBLE_FORK = PID_NS_PROBE + """
import sys
if os.fork() == 0:
    os.setsid()  # out of the job's process group and session
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", sys.argv[1]])  # keeps fd 1 and 2 open
    os._exit(0)
os.wait()
print("parent done", flush=True)
"""


@pytest.mark.parametrize("code", [GRANDCHILD_POPEN, GRANDCHILD_DOUBLE_FORK],
                         ids=["popen", "double-fork"])
def test_grandchild_holding_stdout_does_not_hang(runner, code):
    tag = f"1000.{secrets.randbelow(10**6):06d}"  # `sleep 1000.xxxxxx`, unique to this test
    r, wall = timed(runner, Job(files={"main.py": code}, mode="exec", argv=("main.py", tag),
                                timeout=5.0))
    assert wall < 2.5, f"the call waited for the grandchild ({wall:.2f}s)"
    assert (r.exit_code, r.timed_out, r.error) == (0, False, None), r
    assert r.stdout.splitlines()[1:] == ["parent done"]
    assert processes_with_arg(tag) == [], "the grandchild survived the job"
    assert_sandbox_emptied(runner, r.stdout)


BIG_OUTPUT = """
import os, sys
fd = 1 if sys.argv[1] == "stdout" else 2
chunk = b"x" * (1 << 20)
for _ in range(100):  # 100 MB
    try:
        os.write(fd, chunk)
    except OSError:
        pass
"""


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_huge_output_is_bounded(runner, stream):
    r = run(runner, BIG_OUTPUT, stream, timeout=10.0)
    limit = Limits().output_bytes
    text, cut = (r.stdout, r.stdout_truncated) if stream == "stdout" else (r.stderr, r.stderr_truncated)
    assert len(text.encode()) == limit and set(text) == {"x"}
    assert cut
    assert not r.timed_out and r.error is None


SIGNAL_ATTACKS = {
    "kill-parent": "os.kill(os.getppid(), signal.SIGKILL)",
    "kill-pid-1": "os.kill(1, signal.SIGKILL)",
    "kill-everything": "os.kill(-1, signal.SIGKILL)",
    "stop-parent-and-pid-1": "os.kill(os.getppid(), signal.SIGSTOP); os.kill(1, signal.SIGSTOP)",
    "polite-signals": "[os.kill(p, s) for p in (os.getppid(), 1) for s in (signal.SIGINT, "
                      "signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, "
                      "signal.SIGUSR2, signal.SIGPIPE, signal.SIGALRM)]",
    "killpg-own-group": "os.killpg(0, signal.SIGKILL)",
}


@pytest.mark.parametrize("attack", list(SIGNAL_ATTACKS))
def test_signals_to_the_parent_are_contained(runner, attack):
    code = ("import os, signal, time\n"
            f"try:\n    {SIGNAL_ATTACKS[attack]}\nexcept ProcessLookupError:\n    pass\n"
            "time.sleep(0.2)\nprint('alive', flush=True)\n")
    r = run(runner, code, timeout=3.0)
    assert not r.timed_out
    if attack == "killpg-own-group":  # kills the job itself, nothing else
        assert r.error is None and (r.signal == signal.SIGKILL or r.exit_code == 128 + 9), r
    else:  # the sandbox's PID 1 (the warm worker, or the cold init) ignores all of it
        assert (r.error, r.exit_code, r.stdout) == (None, 0, "alive\n"), r
    assert_healthy(runner)


FORGE_RESULT = r"""
import ctypes, json, os, struct
libc = ctypes.CDLL(None, use_errno=True)
res = {"ptrace": libc.ptrace(16, 1, 0, 0), "fds": {}}  # PTRACE_ATTACH to PID 1
try:
    pidfd = os.pidfd_open(1)
except OSError as exc:
    pidfd, res["pidfd_open"] = None, type(exc).__name__
forged = json.dumps({"id": os.path.basename(os.getcwd()), "exit_code": 0, "signal": None,
                     "timed_out": False, "duration_s": 0.1}) + "\n"
for n in range(16):
    fd = libc.syscall(438, pidfd, n, 0) if pidfd is not None else -1  # pidfd_getfd
    if fd < 0:
        continue
    what = os.readlink(f"/proc/self/fd/{fd}")
    res["fds"][n] = what
    try:
        if "eventfd" in what:  # bubblewrap's "the command exited" event: status + 1
            os.write(fd, struct.pack("Q", 1))
        elif what.startswith("pipe:"):  # a worker's reply pipe
            os.write(fd, forged.encode())
    except OSError:
        pass
for path in ("/proc/1/fd/1", "/proc/1/fd/3", "/proc/1/fd/4"):
    try:
        os.open(path, os.O_WRONLY)
        res[path] = "ok"
    except OSError as exc:
        res[path] = type(exc).__name__
print(json.dumps(res), flush=True)
raise SystemExit(3)
"""


def test_job_cannot_forge_its_result(runner):
    """PID 1 of the sandbox holds what reports the result (bubblewrap's status eventfd, the warm
    worker's reply pipe): the job must not be able to take it over and report success."""
    r = run(runner, FORGE_RESULT)
    assert (r.exit_code, r.signal, r.error) == (3, None, None), r
    res = last_json(r.stdout)
    assert res["ptrace"] == -1
    assert res["fds"] == {}
    assert all(res[p] != "ok" for p in ("/proc/1/fd/1", "/proc/1/fd/3", "/proc/1/fd/4"))
    for code in (7, 0, 5):  # the following jobs get their own results
        assert run(runner, f"raise SystemExit({code})").exit_code == code


# --- the next job --------------------------------------------------------------------------

TAMPERER = r'''
import os, sys, time
deadline = time.monotonic() + 8
while time.monotonic() < deadline:
    try:
        for name in os.listdir("/work"):
            if name == sys.argv[2]:  # the job that started it
                continue
            for f in ("main.py", "data.txt", "_rhlab_stdout", "_rhlab_stderr", "evil.py"):
                try:
                    with open(os.path.join("/work", name, f), "w") as fh:
                        fh.write("print('PWNED')\n")
                except OSError:
                    pass
        for i in range(64):
            os.makedirs(f"/work/job{i}", exist_ok=True)
    except OSError:
        pass
    time.sleep(0.002)
'''

LEAVE_TAMPERER = r'''
import os, sys, time
for i in range(64):  # plant the directories the next jobs might get
    os.makedirs(f"/work/job{i}", exist_ok=True)
    with open(f"/work/job{i}/main.py", "w") as fh:
        fh.write("print('PWNED')\n")
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, os.path.abspath("tamperer.py"), sys.argv[1],
                                  os.path.basename(os.getcwd())])
    os._exit(0)
os.wait()
time.sleep(0.3)  # the tamperer is at work now
print(os.getuid())
'''

VICTIM = r'''
import hashlib, json, os, time
time.sleep(0.3)
print(json.dumps({"uid": os.getuid(), "data": open("data.txt").read(),
                  "main": hashlib.sha256(open("main.py", "rb").read()).hexdigest(),
                  "files": sorted(os.listdir(".")), "work": os.listdir("/work"),
                  "here": os.path.basename(os.getcwd())}))
'''


def test_background_process_cannot_tamper_with_the_next_job(runner):
    tag = "tamper-" + secrets.token_hex(8)
    r = run(runner, LEAVE_TAMPERER, tag, files={"tamperer.py": TAMPERER})
    assert r.exit_code == 0 and r.error is None, r
    attacker_uid = int(r.stdout)
    assert processes_with_arg(tag) == [], "the background process outlived its job"
    victims = []
    for i in range(3):
        data = f"victim data {i} " + secrets.token_hex(4)
        v = run(runner, VICTIM, files={"data.txt": data})
        assert v.exit_code == 0 and v.error is None, v
        out = last_json(v.stdout)
        assert out["data"] == data
        assert out["main"] == hashlib.sha256(VICTIM.encode()).hexdigest()
        assert set(out["files"]) <= {"main.py", "data.txt", "_rhlab_stdout", "_rhlab_stderr"}
        assert out["work"] == [out["here"]], "leftovers of an earlier job in /work"
        victims.append(out["uid"])
    if runner is not run_job:
        assert attacker_uid in victims  # the same warm worker ran a victim
    assert processes_with_arg(tag) == []


SWAP_JOB_DIR = r'''
import os, sys
here = os.getcwd()
os.chdir("/")
os.rename(here, here + ".gone")
os.symlink(sys.argv[1], here)  # a host path: the host must not follow it
print("swapped", flush=True)
'''

LINK_OUTPUTS = r'''
import os, sys
for name in ("_rhlab_stdout", "_rhlab_stderr", "_rhlab_events.jsonl", "_rhlab_junit.xml"):
    if os.path.lexists(name):
        os.unlink(name)
    os.symlink(os.path.join(sys.argv[1], name), name)
'''

FIFO_OUTPUTS = r'''
import os
for name in ("_rhlab_stdout", "_rhlab_stderr", "_rhlab_events.jsonl", "_rhlab_junit.xml"):
    if os.path.lexists(name):
        os.unlink(name)
    os.mkfifo(name)  # a host that opens it to read would block forever
'''


@pytest.mark.parametrize("code", [SWAP_JOB_DIR, LINK_OUTPUTS, FIFO_OUTPUTS],
                         ids=["job-dir-symlink", "output-symlinks", "output-fifos"])
def test_host_does_not_follow_what_the_job_plants(runner, code):
    secret = "host-file-" + secrets.token_hex(8)
    target = Path(tempfile.mkdtemp(prefix="rhlab-host-"))
    try:
        target.chmod(0o755)
        for name in ("_rhlab_stdout", "_rhlab_stderr", "_rhlab_events.jsonl", "_rhlab_junit.xml",
                     "keep.txt"):
            (target / name).write_text(secret)
        before = {p: snapshot(p) for p in [target, *target.iterdir()]}
        result_start = time.monotonic()
        result = runner(Job(files={"main.py": code}, mode="exec", argv=("main.py", str(target)),
                            timeout=3.0))
        assert time.monotonic() - result_start < 3.0 + 1.0
        r = result.process
        assert not r.timed_out and r.error is None, r
        assert secret not in r.stdout + r.stderr + "".join(result.artifacts.values())
        assert {p: snapshot(p) for p in [target, *target.iterdir()]} == before
    finally:
        shutil.rmtree(target, ignore_errors=True)
    assert_healthy(runner)


# --- the pool after trouble, limits, fallback ----------------------------------------------

def test_pool_worker_answers_after_timeouts(pool):
    for _ in range(2):  # both workers time out once
        futures = [pool.submit(Job(files={"main.py": "while True: pass"}, mode="exec",
                                   argv=("main.py",), timeout=1.0)) for _ in range(2)]
        for f in futures:
            r = f.result(timeout=1.0 + 5.0)
            assert r.process.timed_out and r.process.error is None
    assert_healthy(pool.run, times=4)


def test_output_limit_is_respected():
    limits = Limits(output_bytes=1000)
    code = "import sys\nprint('o' * int(sys.argv[1]), end='')\nprint('e' * int(sys.argv[1]), end='', file=sys.stderr)"
    with SandboxPool(1, limits=limits) as small:
        for runner in (functools.partial(run_job, limits=limits), small.run):
            r = run(runner, code, "5000")
            assert (r.stdout, r.stderr) == ("o" * 1000, "e" * 1000)
            assert r.stdout_truncated and r.stderr_truncated
            r = run(runner, code, "1000")
            assert (r.stdout, r.stderr) == ("o" * 1000, "e" * 1000)
            assert not r.stdout_truncated and not r.stderr_truncated


def test_unsafe_fallback_warns_and_still_runs():
    # detect() is functools.cache'd: the warning comes from its first call with these
    # arguments only, so call the uncached function to see it for sure.
    with pytest.warns(RuntimeWarning, match="UNSAFE"):
        backend = detect.__wrapped__(force_unsafe=True)
    assert backend.name == "unsafe-local" and not backend.isolates
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert detect(force_unsafe=True).name == "unsafe-local"
    assert detect().name == "bwrap"  # the cached default is untouched
    # no isolation here: run nothing but a print
    r = run_job(Job(files={"main.py": "print('hello from the fallback')"}, mode="exec",
                    argv=("main.py",), timeout=10.0), backend=backend).process
    assert (r.exit_code, r.stdout, r.backend, r.timed_out) == (
        0, "hello from the fallback\n", "unsafe-local", False)
