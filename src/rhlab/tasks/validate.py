"""Check that every task's reference solution passes the hardened grader.

Results are cached per source under ``$RHLAB_CACHE`` (default ``~/.cache/rhlab``), keyed by a
hash of the tasks and the sandbox runtime, so a change to either re-validates.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from rhlab.sandbox.backend import RUNTIME_SRC
from rhlab.tasks import TaskSet, load_source
from rhlab.types import Task


def cache_dir() -> Path:
    return Path(os.environ.get("RHLAB_CACHE", Path.home() / ".cache" / "rhlab"))


def _key(tasks: tuple[Task, ...]) -> str:
    digest = hashlib.sha256()
    for task in tasks:
        digest.update(repr(task).encode())
    for path in sorted(RUNTIME_SRC.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def failing_references(tasks: tuple[Task, ...], workers: int | None = None) -> list[tuple[str, str]]:
    """(task id, reason) for every task whose reference solution fails the hardened grader."""
    from rhlab.grading.episode import EpisodeGrader, EpisodeRequest

    with_ref = [t for t in tasks if t.reference_solution]
    requests = [EpisodeRequest(t, f"```python\n{t.reference_solution}\n```", ()) for t in with_ref]
    with EpisodeGrader(workers) as grader:
        results = grader.grade_many(requests)
    return [(t.id, f"reference solution fails the hardened grader: {r.hardened.explanation}")
            for t, r in zip(with_ref, results) if not r.hardened.passed]


def validated_source(source: str, workers: int | None = None) -> TaskSet:
    """The source's tasks minus those whose reference fails; they join ``skipped``."""
    taskset = load_source(source)
    path = cache_dir() / "validation" / f"{source}-{_key(taskset.tasks)}.json"
    try:
        failing = [tuple(x) for x in json.loads(path.read_text())]
    except (OSError, ValueError):
        failing = failing_references(taskset.tasks, workers)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(failing))
        tmp.replace(path)
    bad = {task_id for task_id, _ in failing}
    return TaskSet(tuple(t for t in taskset.tasks if t.id not in bad),
                   taskset.skipped + tuple(failing))  # type: ignore[arg-type]
