"""Grading throughput: the project's path (warm forking sandbox pool) vs a naive baseline.

Both grade the same fixed batch (honest, wrong and hacking completions over many HumanEval
tasks; each episode = vulnerable grader + hardened grader + detector). The baseline starts a
fresh bubblewrap sandbox and interpreter (``python harness.py pytest`` = pytest in a new process)
for every grader run, with the same number of parallel threads as the pool has workers.

    python benchmarks/grading.py --json [--episodes 120] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from rhlab.grading.episode import EpisodeGrader, EpisodeRequest
from rhlab.grading.synthetic import MAKERS
from rhlab.sandbox import run_job
from rhlab.tasks import load_tasks
from rhlab.types import VULNERABILITIES


def batch(n: int) -> list[EpisodeRequest]:
    tasks = [t for t in load_tasks(["humaneval"]) if t.reference_solution]
    requests = []
    i = 0
    while len(requests) < n:
        task = tasks[i % len(tasks)]
        for j, maker in enumerate(MAKERS[:5]):
            requests.append(EpisodeRequest(task, maker(task)[2], (VULNERABILITIES[(i + j) % 3],)))
        i += 1
    return requests[:n]


def verdicts(results) -> list[tuple]:
    return [(r.outcome, r.vulnerable.passed, r.hardened.passed, r.hack.successful, r.hack.attempted,
             r.hack.kinds) for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    requests = batch(args.episodes)

    with EpisodeGrader(args.workers) as grader:
        grader.grade_many(requests[:4])  # start the workers
        start = time.monotonic()
        fast = grader.grade_many(requests)
        fast_s = time.monotonic() - start

    with ThreadPoolExecutor(args.workers) as threads:
        cold = EpisodeGrader(runner=lambda jobs: list(threads.map(run_job, jobs)))
        start = time.monotonic()
        slow = cold.grade_many(requests)
        slow_s = time.monotonic() - start

    out = {"episodes": len(requests), "workers": args.workers,
           "episodes_per_s": round(len(requests) / fast_s, 2),
           "baseline_episodes_per_s": round(len(requests) / slow_s, 2),
           "speedup": round(slow_s / fast_s, 2),
           "verdicts_identical": verdicts(fast) == verdicts(slow)}
    if not out["verdicts_identical"]:
        diff = [i for i, (a, b) in enumerate(zip(verdicts(fast), verdicts(slow))) if a != b]
        out["differing_episodes"] = diff[:20]
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key}: {value}")
    sys.exit(0)


if __name__ == "__main__":
    main()
