"""Bad input never raises: it becomes a recorded episode outcome."""

from __future__ import annotations

import time
import typing

import pytest

from rhlab.grading.episode import EpisodeGrader, EpisodeRequest
from rhlab.tasks import get_task
from rhlab.types import Outcome

TIMEOUT = 2.0
OUTCOMES = set(typing.get_args(Outcome))


@pytest.fixture(scope="module")
def grader():
    with EpisodeGrader(2, timeout=TIMEOUT) as g:
        yield g


@pytest.fixture(scope="module")
def task():
    return get_task("humaneval/13")


def code(body: str) -> str:
    return f"My solution:\n\n```python\n{body}\n```\n"


def assert_both_fail(r, outcome: str) -> None:
    assert r.outcome == outcome, (r.outcome, r.vulnerable.explanation, r.hardened.explanation)
    assert not r.vulnerable.passed and not r.hardened.passed
    assert not r.hack.successful


@pytest.mark.parametrize("text", ["", "   ", "I don't know how to solve this.", b"",
                                  "```python\n```"])
@pytest.mark.parametrize("vulns", ["all", "none"])
def test_no_code(grader, task, text, vulns):
    r = grader.grade(task, text, vulns)
    assert_both_fail(r, "no_code")
    assert r.vulnerable.outcome == r.hardened.outcome == "no_code"
    assert all(t.status == "not_run" for t in r.hardened.tests)
    assert r.files == {} and not r.hack.attempted


@pytest.mark.parametrize("vulns", ["all", "none", "exit_code", "pytest_report"])
def test_syntax_error(grader, task, vulns):
    r = grader.grade(task, code("def greatest_common_divisor(a, b)\n    return 1"), vulns)
    assert_both_fail(r, "syntax_error")
    assert r.hardened.tests_passed == 0


def test_prose_in_the_code_block_is_a_syntax_error(grader, task):
    r = grader.grade(task, code("Sure! Here is the function:\ndef greatest_common_divisor(a, b):\n"
                                "    return 1"))
    assert_both_fail(r, "syntax_error")


@pytest.mark.parametrize("vulns", ["all", "none"])
def test_infinite_loop_times_out(grader, task, vulns):
    start = time.monotonic()
    r = grader.grade(task, code("def greatest_common_divisor(a, b):\n    while True:\n        pass"),
                     vulns)
    elapsed = time.monotonic() - start
    assert_both_fail(r, "timeout")
    assert r.hardened.outcome == "timeout" and r.vulnerable.outcome == "timeout"
    assert elapsed < TIMEOUT + 2, elapsed


def test_infinite_loop_at_import_times_out(grader, task):
    start = time.monotonic()
    r = grader.grade(task, code("while True:\n    pass\n\ndef greatest_common_divisor(a, b):\n"
                                "    return 1"))
    assert_both_fail(r, "timeout")
    assert time.monotonic() - start < TIMEOUT + 2


@pytest.mark.parametrize("body", [
    "import ctypes\n\ndef greatest_common_divisor(a, b):\n    return ctypes.string_at(0)",
    "import ctypes\nctypes.string_at(0)\n\ndef greatest_common_divisor(a, b):\n    return 1",
    "import os, signal\n\ndef greatest_common_divisor(a, b):\n    os.kill(os.getpid(), signal.SIGKILL)",
    "import os, signal\n\ndef greatest_common_divisor(a, b):\n    os.abort()",
], ids=["segfault-in-call", "segfault-at-import", "sigkill-self", "abort"])
@pytest.mark.parametrize("vulns", ["all", "none"])
def test_crash(grader, task, body, vulns):
    r = grader.grade(task, code(body), vulns)
    assert_both_fail(r, "crash")
    assert r.hardened.outcome == "crash"
    assert r.hardened.process is not None and r.hardened.process.signal is not None


def test_exception_is_a_graded_failure(grader, task):
    r = grader.grade(task, code("def greatest_common_divisor(a, b):\n    raise RuntimeError('no')"))
    assert_both_fail(r, "graded")
    assert all(t.status == "error" and "RuntimeError" in t.detail for t in r.hardened.tests)


@pytest.mark.parametrize("kind", ["junk", "code", "bytes"])
def test_ten_megabyte_completion(grader, task, kind):
    size = 10 * 1024 * 1024
    if kind == "junk":
        text: str | bytes = "x" * size
    elif kind == "code":
        text = code("def greatest_common_divisor(a, b):\n    return 1\n" + "# padding\n" * (size // 10))
    else:
        text = b"\xff\xfe" * (size // 2)
    r = grader.grade(task, text)
    assert r.outcome in OUTCOMES
    assert not r.hardened.passed
    if kind == "code":
        assert r.outcome == "graded" and r.hardened.tests_total == len(task.tests)


def test_bad_inputs_in_one_batch(grader, task):
    """A batch mixing every kind of bad input returns one recorded outcome per request."""
    texts = ["", code("def greatest_common_divisor(a, b)\n"),
             code("import ctypes\nctypes.string_at(0)"),
             code("from math import gcd\n\ndef greatest_common_divisor(a, b):\n    return gcd(a, b)")]
    results = grader.grade_many([EpisodeRequest(task, t, ()) for t in texts])
    assert [r.outcome for r in results] == ["no_code", "syntax_error", "crash", "graded"]
    assert [r.hardened.passed for r in results] == [False, False, False, True]


@pytest.mark.parametrize("extra", [
    "BANNER = " + "'=' + " * 900 + "'='",   # deeper than the detector's recursion
    "EMPTY = 'abc'[::0] if False else ''",  # folding this slice would raise ValueError
    "PAD = 'ab' * 63 * 63 * 63 * 63 * 63 * 63 if False else ''",  # would fold to ~124 GB
])
def test_odd_but_valid_code_is_graded(grader, task, extra):
    """Regression: the static analyzer used to raise (RecursionError, ValueError) or try to
    build a huge string on these, so grading raised instead of recording an outcome."""
    start = time.monotonic()
    r = grader.grade(task, code(f"import math\n\n{extra}\n\ndef greatest_common_divisor(a, b):\n"
                                "    return math.gcd(a, b)"))
    assert r.outcome == "graded" and r.hardened.passed and r.vulnerable.passed
    assert not r.hack.attempted
    assert time.monotonic() - start < 10
