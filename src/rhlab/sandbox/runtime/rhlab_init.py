"""PID 1 of a one-shot sandbox: runs the job (``argv[1:]``) as its child, exits with its status.

Without it bubblewrap's own reaper would be PID 1 inside the sandbox: it runs as the job's uid,
is dumpable and holds bubblewrap's status eventfd, so a job could take that descriptor
(``pidfd_getfd``, ``ptrace``) and forge its own exit status. This init makes itself
non-dumpable before it starts the job, so the job can neither trace it nor take its
descriptors, and as PID 1 it cannot be killed from inside. When it exits the kernel kills
whatever the job left behind. A job killed by a signal exits 128 + signal (as with bubblewrap).

With ``--status-fd N`` first, the job's raw wait status is also written to descriptor N (closed
on exec, so the job never holds it): the host can then tell a signal death from an exit code.
"""

import ctypes
import os
import signal
import sys


def main() -> None:
    if ctypes.CDLL(None).prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE 0
        os.write(2, b"rhlab_init: prctl(PR_SET_DUMPABLE) failed\n")
        os._exit(125)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # PID 1 gets only the signals it handles
    status_fd = None
    if sys.argv[1] == "--status-fd":
        status_fd = int(sys.argv[2])
        os.set_inheritable(status_fd, False)
        del sys.argv[1:3]
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execv(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    while True:  # also reaps the orphans the job leaves behind
        try:
            child, status = os.wait()
        except InterruptedError:
            continue
        if child == pid:
            if status_fd is not None:
                try:
                    os.write(status_fd, f"{status}\n".encode())
                except OSError:
                    pass
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
