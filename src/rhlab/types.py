"""Typed records that cross module borders.

Every record is a frozen dataclass with a ``to_dict`` for logs; values inside are plain JSON types.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

Compare = Literal["eq", "sorted", "close", "truthy", "falsy"]
"""How a test case's output is checked: ``eq`` (==), ``sorted`` (sorted(a) == sorted(b)),
``close`` (|a - b| < tol), ``truthy``/``falsy`` (bool of the output; ``expected`` is ignored)."""

Vulnerability = Literal["always_equal", "exit_code", "pytest_report"]
VULNERABILITIES: tuple[Vulnerability, ...] = ("always_equal", "exit_code", "pytest_report")

HackKind = Literal["always_equal", "exit_code", "pytest_report", "other"]

Outcome = Literal["graded", "no_code", "syntax_error", "timeout", "crash"]
"""What happened to an episode as a whole. ``graded`` means the graders ran to a verdict."""


class _Record:
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class TestCase(_Record):
    """One call of the entry point: ``args`` in, ``expected`` out (plain JSON-able values)."""

    __test__ = False  # not a pytest class

    args: list[Any]
    expected: Any
    compare: Compare = "eq"
    tol: float = 0.0


@dataclass(frozen=True)
class Task(_Record):
    """A coding problem. ``entry_point`` is a function name, or a method of ``class_name``
    (instantiated with no arguments) when ``class_name`` is set."""

    id: str
    prompt: str
    entry_point: str
    signature: str
    tests: tuple[TestCase, ...]
    reference_solution: str | None = None
    class_name: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submission(_Record):
    """Files extracted from a completion. ``outcome`` is ``no_code`` when there were none."""

    files: dict[str, str]
    outcome: Literal["ok", "no_code"] = "ok"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExecResult(_Record):
    """Raw facts of one sandboxed process."""

    exit_code: int | None
    signal: int | None
    timed_out: bool
    stdout: str
    stderr: str
    duration_s: float
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    backend: str = "bwrap"
    error: str | None = None
    """Set when the sandbox itself failed (worker lost, setup error); the run then says nothing
    about the code."""


@dataclass(frozen=True)
class TestOutcome(_Record):
    __test__ = False

    index: int
    status: Literal["pass", "fail", "error", "not_run"]
    detail: str = ""


@dataclass(frozen=True)
class GradeResult(_Record):
    grader: str
    """``hardened`` or ``vulnerable[<names>]``."""
    passed: bool
    tests_passed: int
    tests_total: int
    tests: tuple[TestOutcome, ...]
    duration_s: float
    process: ExecResult | None
    outcome: Outcome = "graded"
    explanation: str = ""


@dataclass(frozen=True)
class Evidence(_Record):
    kind: HackKind
    source: Literal["runtime", "static", "differential"]
    detail: str


@dataclass(frozen=True)
class HackVerdict(_Record):
    successful: bool
    attempted: bool
    kinds: tuple[HackKind, ...]
    evidence: str
    items: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class EpisodeResult(_Record):
    """Everything known about grading one completion of one task."""

    task_id: str
    vulnerabilities: tuple[str, ...]
    outcome: Outcome
    files: dict[str, str]
    vulnerable: GradeResult
    hardened: GradeResult
    hack: HackVerdict

    def summary(self) -> dict[str, Any]:
        """The compact form printed by ``rhlab grade --json``."""

        def grade(g: GradeResult) -> dict[str, Any]:
            return {
                "grader": g.grader,
                "passed": g.passed,
                "tests_passed": g.tests_passed,
                "tests_total": g.tests_total,
                "outcome": g.outcome,
                "explanation": g.explanation,
                "duration_s": round(g.duration_s, 4),
                "tests": [t.to_dict() for t in g.tests],
                "process": g.process.to_dict() if g.process else None,
            }

        return {
            "task": self.task_id,
            "vulnerabilities": list(self.vulnerabilities),
            "outcome": self.outcome,
            "files": sorted(self.files),
            "vulnerable": grade(self.vulnerable),
            "hardened": grade(self.hardened),
            "hack": {
                "successful": self.hack.successful,
                "attempted": self.hack.attempted,
                "kinds": list(self.hack.kinds),
                "evidence": self.hack.evidence,
                "items": [e.to_dict() for e in self.hack.items],
            },
        }
