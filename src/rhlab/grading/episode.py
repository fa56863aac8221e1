"""Grade episodes: one completion of one task through a vulnerable grader, the hardened grader
and the hack detector, in one place.

``EpisodeGrader`` keeps a warm sandbox pool; ``grade_many`` runs all sandbox jobs of a batch in
parallel. Bad input never raises: it becomes a recorded outcome (``no_code``, ``syntax_error``,
``timeout``, ``crash``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Sequence

from rhlab.grading import hardened, vulnerable
from rhlab.grading.completion import DEFAULT_FILE, parse_completion, syntax_error
from rhlab.grading.hardened import events_of
from rhlab.hacks.detector import detect
from rhlab.sandbox import Job, JobResult, Limits, SandboxPool
from rhlab.types import EpisodeResult, GradeResult, HackVerdict, Submission, Task, TestOutcome

Runner = Callable[[Sequence[Job]], list[JobResult]]


@dataclass(frozen=True)
class EpisodeRequest:
    task: Task
    completion: str | bytes
    vulnerabilities: tuple[str, ...]


def _not_run(task: Task, grader: str, outcome: str, why: str) -> GradeResult:
    tests = tuple(TestOutcome(i, "not_run", why) for i in range(len(task.tests)))
    return GradeResult(grader=grader, passed=False, tests_passed=0, tests_total=len(task.tests),
                       tests=tests, duration_s=0.0, process=None, outcome=outcome,  # type: ignore[arg-type]
                       explanation=why)


def _episode_outcome(sub: Submission, vuln: GradeResult, hard: GradeResult) -> str:
    if sub.outcome == "no_code":
        return "no_code"
    if DEFAULT_FILE in sub.files and syntax_error(sub.files[DEFAULT_FILE]):
        return "syntax_error"
    for grade in (hard, vuln):
        if grade.outcome in ("timeout", "crash"):
            return grade.outcome
    return "graded"


def plan(req: EpisodeRequest, timeout: float) -> tuple[Submission, list[Job]]:
    sub = parse_completion(req.completion)
    if sub.outcome == "no_code":
        return sub, []
    return sub, [vulnerable.make_job(req.task, sub.files, req.vulnerabilities, timeout),
                 hardened.make_job(req.task, sub.files, timeout)]


def assemble(req: EpisodeRequest, sub: Submission, results: list[JobResult]) -> EpisodeResult:
    vname = vulnerable.name(req.vulnerabilities)
    if not results:
        why = "no code in the completion"
        vuln, hard = _not_run(req.task, vname, "no_code", why), _not_run(req.task, "hardened", "no_code", why)
        verdict = HackVerdict(False, False, (), "")
        return EpisodeResult(req.task.id, req.vulnerabilities, "no_code", {}, vuln, hard, verdict)
    vres, hres = results
    vevents, hevents = events_of(vres.artifacts), events_of(hres.artifacts)
    vuln = vulnerable.verdict(req.task, req.vulnerabilities, vres, vevents, vres.process.duration_s)
    hard = hardened.verdict(req.task, hres, hevents, hres.process.duration_s)
    verdict = detect(sub.files, vuln, hard, hevents, vevents)
    return EpisodeResult(req.task.id, req.vulnerabilities, _episode_outcome(sub, vuln, hard),  # type: ignore[arg-type]
                         dict(sub.files), vuln, hard, verdict)


class EpisodeGrader:
    """Grades episodes on a warm sandbox pool. Use as a context manager or call ``close()``."""

    def __init__(self, workers: int | None = None, timeout: float = 10.0,
                 limits: Limits = Limits(), runner: Runner | None = None):
        self.timeout = timeout
        self._pool = None if runner else SandboxPool(workers, limits)
        self._runner: Runner = runner or self._pool.map  # type: ignore[union-attr]

    def grade(self, task: Task, completion: str | bytes,
              vulnerabilities: tuple[str, ...] | str = "all") -> EpisodeResult:
        return self.grade_many([EpisodeRequest(task, completion, vulnerable.normalize(vulnerabilities))])[0]

    def grade_many(self, requests: Sequence[EpisodeRequest]) -> list[EpisodeResult]:
        plans = [plan(r, self.timeout) for r in requests]
        jobs = [job for _, js in plans for job in js]
        start = time.monotonic()
        results = self._runner(jobs) if jobs else []
        self.last_batch_s = time.monotonic() - start
        out, k = [], 0
        for req, (sub, js) in zip(requests, plans):
            out.append(assemble(req, sub, results[k:k + len(js)]))
            k += len(js)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()

    def __enter__(self) -> "EpisodeGrader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
