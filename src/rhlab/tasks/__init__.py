"""Coding tasks from the packaged sources, by id (``humaneval/N``, ``leetcode/<slug>``)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from rhlab.types import Task

SOURCES = ("humaneval", "leetcode")


@dataclass(frozen=True)
class TaskSet:
    tasks: tuple[Task, ...]
    skipped: tuple[tuple[str, str], ...]
    """(task id, reason) of every task that could not be represented."""


class UnknownTask(KeyError):
    def __str__(self) -> str:
        return f"unknown task id {self.args[0]!r} (see `rhlab tasks list`)"


@functools.cache
def load_source(source: str) -> TaskSet:
    if source == "humaneval":
        from rhlab.tasks import humaneval as loader
    elif source == "leetcode":
        from rhlab.tasks import leetcode as loader  # type: ignore[no-redef]
    else:
        raise ValueError(f"unknown task source {source!r}; choose from {', '.join(SOURCES)}")
    tasks, skipped = loader.load()
    return TaskSet(tuple(tasks), tuple(skipped))


def load_tasks(sources: tuple[str, ...] | list[str] = SOURCES) -> list[Task]:
    return [t for s in sources for t in load_source(s).tasks]


@functools.cache
def _index(source: str) -> dict[str, Task]:
    return {t.id: t for t in load_source(source).tasks}


def get_task(task_id: str) -> Task:
    source, _, rest = task_id.partition("/")
    if source not in SOURCES or not rest:
        raise UnknownTask(task_id)
    if source == "leetcode":
        task_id = f"leetcode/{rest.replace('_', '-')}"
    try:
        return _index(source)[task_id]
    except KeyError:
        raise UnknownTask(task_id) from None
