"""PID 1 of a one-shot sandbox: runs the job (``argv[1:]``) as its child, exits with its status.

Without it bubblewrap's own reaper would be PID 1 inside the sandbox: it runs as the job's uid,
is dumpable and holds bubblewrap's status eventfd, so a job could take that descriptor
(``pidfd_getfd``, ``ptrace``) and forge its own exit status. This init makes itself
non-dumpable before it starts the job, so the job can neither trace it nor take its
descriptors, and as PID 1 it cannot be killed from inside. When it exits the kernel kills
whatever the job left behind. A job killed by a signal exits 128 + signal (as with bubblewrap).
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
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
