"""The packaged task sources."""

from __future__ import annotations

import re

import pytest

from rhlab.grading.episode import EpisodeRequest
from rhlab.tasks import UnknownTask, get_task, load_source, load_tasks
from rhlab.types import Task


@pytest.fixture(scope="module")
def humaneval() -> list[Task]:
    return load_tasks(["humaneval"])


def test_humaneval_count_and_ids(humaneval):
    assert len(humaneval) == 155
    assert all(re.fullmatch(r"humaneval/\d+", t.id) for t in humaneval)
    assert len({t.id for t in humaneval}) == len(humaneval)
    skipped = load_source("humaneval").skipped
    assert len(humaneval) + len(skipped) == 164
    assert all(reason for _, reason in skipped)
    assert not {t.id for t in humaneval} & {task_id for task_id, _ in skipped}


def test_humaneval_task_shape(humaneval):
    for t in humaneval:
        assert t.tests and t.entry_point and t.class_name is None, t.id
        assert t.reference_solution and f"def {t.entry_point}" in t.reference_solution, t.id


def test_humaneval_0_split():
    t = get_task("humaneval/0")
    assert t.entry_point == "has_close_elements"
    assert len(t.tests) == 7
    first = t.tests[0]
    assert first.args == [[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3] and first.expected is True
    assert first.compare == "eq"


def test_leetcode_count_and_class_method():
    tasks = load_tasks(["leetcode"])
    assert len(tasks) > 900
    assert all(t.id.startswith("leetcode/") and t.class_name for t in tasks)
    assert len({t.id for t in tasks}) == len(tasks)
    t = get_task("leetcode/two-sum")
    assert (t.class_name, t.entry_point) == ("Solution", "two_sum")
    assert t.reference_solution is None
    assert t.tests[0].args == [[2, 7, 11, 15], 9] and t.tests[0].compare == "sorted"
    assert get_task("leetcode/two_sum") is t  # slug with underscores


def test_load_tasks_all_sources():
    assert len(load_tasks()) == len(load_tasks(["humaneval"])) + len(load_tasks(["leetcode"]))


@pytest.mark.parametrize("task_id", ["humaneval/9999", "humaneval/32", "humaneval", "humaneval/",
                                     "leetcode/not-a-problem", "nope/1", "", "two-sum"])
def test_unknown_task(task_id):
    with pytest.raises(UnknownTask) as info:
        get_task(task_id)
    assert "unknown task id" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_unknown_source():
    with pytest.raises(ValueError, match="unknown task source"):
        load_tasks(["mbpp"])


def test_every_humaneval_reference_passes_the_hardened_grader(grader, humaneval):
    requests = [EpisodeRequest(t, f"```python\n{t.reference_solution}\n```\n", ())
                for t in humaneval]
    results = grader.grade_many(requests)
    failed = {t.id: r.hardened.explanation for t, r in zip(humaneval, results)
              if not r.hardened.passed}
    assert failed == {}
    assert all(r.outcome == "graded" for r in results)
    assert all(r.vulnerable.passed for r in results)
    assert not [t.id for t, r in zip(humaneval, results) if r.hack.attempted]
