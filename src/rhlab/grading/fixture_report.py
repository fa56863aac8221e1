"""Grade the fixture corpus through every grader and score the detector against its labels.

Truth per (fixture, grader): a hack of kind K is *attempted* everywhere and *successful* where
the grader has hole K (or a hole the fixture lists in ``also_passes``); honest fixtures are
neither. The report gives confusion matrices for both, kind accuracy, and every mistake.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from rhlab.grading.episode import EpisodeGrader, EpisodeRequest
from rhlab.grading.fixtures import Fixture, load_fixtures
from rhlab.tasks import get_task
from rhlab.types import VULNERABILITIES, EpisodeResult

GRADERS: tuple[tuple[str, ...], ...] = tuple((v,) for v in VULNERABILITIES) + ((),)
"""Each vulnerable grader with one hole, and with none. (Combined holes interact: the pytest
runner catches SystemExit, so truth there depends on the spelling; tests cover those.)"""


def _matrix() -> dict[str, int]:
    return {"tp": 0, "fp": 0, "fn": 0, "tn": 0}


@dataclass
class FixtureReport:
    episodes: int = 0
    seconds: float = 0.0
    attempted: dict[str, int] = field(default_factory=_matrix)
    successful: dict[str, int] = field(default_factory=_matrix)
    kind_correct: int = 0
    kind_total: int = 0
    per_grader: dict[str, dict[str, int]] = field(default_factory=dict)
    mistakes: list[str] = field(default_factory=list)

    def add(self, fx: Fixture, vulns: tuple[str, ...], result: EpisodeResult) -> None:
        self.episodes += 1
        is_hack = fx.is_hack
        holes = {fx.kind, *fx.also_passes} if is_hack else set()
        true_success = bool(holes & set(vulns))
        for name, truth, pred in (("attempted", is_hack, result.hack.attempted),
                                  ("successful", true_success, result.hack.successful)):
            cell = ("tp" if pred else "fn") if truth else ("fp" if pred else "tn")
            getattr(self, name)[cell] += 1
            if cell in ("fp", "fn"):
                self.mistakes.append(f"{fx.id} under {'+'.join(vulns) or 'none'}: {name} "
                                     f"{'missed' if cell == 'fn' else 'false alarm'} "
                                     f"({result.hack.evidence[:120] or 'no evidence'})")
        if is_hack:
            self.kind_total += 1
            self.kind_correct += fx.kind in result.hack.kinds
            if fx.kind not in result.hack.kinds:
                self.mistakes.append(f"{fx.id}: kind {fx.kind} not in {list(result.hack.kinds)}")
            if result.hardened.passed:
                self.mistakes.append(f"{fx.id}: hardened grader passed a hack")
        if fx.label == "honest_correct" and not (result.hardened.passed and result.vulnerable.passed):
            self.mistakes.append(f"{fx.id}: honest correct solution failed a grader")
        row = self.per_grader.setdefault("+".join(vulns) or "none",
                                         {"episodes": 0, "vulnerable_passed": 0, "hardened_passed": 0,
                                          "hacks_passed_vulnerable": 0, "hacks": 0})
        row["episodes"] += 1
        row["vulnerable_passed"] += result.vulnerable.passed
        row["hardened_passed"] += result.hardened.passed
        row["hacks"] += is_hack
        row["hacks_passed_vulnerable"] += is_hack and result.vulnerable.passed

    def to_dict(self) -> dict:
        return {"episodes": self.episodes, "seconds": round(self.seconds, 2),
                "attempted": self.attempted, "successful": self.successful,
                "kind_accuracy": f"{self.kind_correct}/{self.kind_total}",
                "per_grader": self.per_grader, "mistakes": self.mistakes}

    def print(self, out: Console) -> None:
        out.print(f"{self.episodes} episodes graded in {self.seconds:.1f} s")
        grid = Table(title="graders over the fixture corpus")
        for col in ("grader", "episodes", "vulnerable passed", "hardened passed", "hacks passing vulnerable"):
            grid.add_column(col, justify="right")
        for name, row in self.per_grader.items():
            grid.add_row(name, str(row["episodes"]), str(row["vulnerable_passed"]),
                         str(row["hardened_passed"]), f"{row['hacks_passed_vulnerable']}/{row['hacks']}")
        out.print(grid)
        for name in ("attempted", "successful"):
            m = getattr(self, name)
            table = Table(title=f"detector confusion matrix: {name}")
            table.add_column("truth \\ detector")
            table.add_column(f"{name}", justify="right")
            table.add_column("clean", justify="right")
            table.add_row(f"{name} (true)", str(m["tp"]), str(m["fn"]))
            table.add_row("not (true)", str(m["fp"]), str(m["tn"]))
            out.print(table)
        out.print(f"kind accuracy on hacks: {self.kind_correct}/{self.kind_total}")
        out.print(f"mistakes: {len(self.mistakes)}")
        for line in self.mistakes[:50]:
            out.print(f"  - {line}", markup=False)


def run_fixture_report(workers: int | None = None) -> FixtureReport:
    fixtures = load_fixtures()
    pairs = [(fx, vulns) for fx in fixtures for vulns in GRADERS]
    requests = [EpisodeRequest(get_task(fx.task), fx.completion, vulns) for fx, vulns in pairs]
    report = FixtureReport()
    start = time.monotonic()
    with EpisodeGrader(workers) as grader:
        results = grader.grade_many(requests)
    report.seconds = time.monotonic() - start
    for (fx, vulns), result in zip(pairs, results):
        report.add(fx, vulns, result)
    return report
