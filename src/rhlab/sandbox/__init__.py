"""Sandbox for untrusted (model-written) code.

Backend ``bwrap`` (default when bubblewrap starts here): each sandbox is a bubblewrap container
run as a real unprivileged uid (``setpriv`` when the host runs as root; one uid per worker, so
``RLIMIT_NPROC`` is per worker) with new user, PID, network, IPC, UTS and cgroup namespaces; only
``/usr`` (read-only), the rhlab runtime (read-only), a private ``/tmp`` and the job's work
directory are visible; the environment is cleared. PID 1 inside is rhlab's own non-dumpable
process (the warm worker, or ``rhlab_init.py`` for one-shot jobs), so a job can neither signal,
trace nor take the descriptors of what reports its result. Every job runs under rlimits (CPU time,
address space, file size, processes, open files) and a wall-clock timeout that kills the job's
whole process tree; the warm pool also kills every other process in the sandbox after each job.
stdout/stderr go to files, not pipes (a grandchild holding them cannot hang the caller), and only
the first ``Limits.output_bytes`` are kept.

Backend ``unsafe-local`` (fallback when bubblewrap is missing or cannot start, or with
``RHLAB_SANDBOX=unsafe``): the same harness and rlimits, a separate uid when run as root, and
**no isolation at all** of the file system, network or other processes. A warning says so.

What this sandbox does NOT guarantee:
- protection against kernel exploits or bubblewrap/user-namespace bugs; it is not a VM;
- isolation between jobs that run one after another in the same warm worker beyond their own
  job directory: jobs share the worker's uid, so a job that runs concurrently with nothing but
  itself could still kill its worker (the job is then recorded as a sandbox error and the worker
  replaced), and files outside the job directory in ``/work`` belong to the same uid;
- secrecy of anything inside the job directory (test inputs, the harness) from the code itself;
- that a vulnerable grader's report cannot be forged by code that patches the harness in its
  own process (only the hardened grader's verdict is computed outside the sandbox);
- exact CPU accounting: the CPU rlimit is per process and in whole seconds; memory is an address
  space limit (``RLIMIT_AS``), not a cgroup limit, so page cache and kernel memory are not bound;
- deterministic timing: wall-clock timeouts include scheduling delays on a loaded machine;
- anything at all under the ``unsafe-local`` fallback.
"""

from rhlab.sandbox.backend import Backend, Limits, detect
from rhlab.sandbox.jobs import Job, JobResult
from rhlab.sandbox.oneshot import run_job
from rhlab.sandbox.pool import SandboxPool

__all__ = ["Backend", "Limits", "detect", "Job", "JobResult", "run_job", "SandboxPool"]
