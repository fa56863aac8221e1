"""Build the labelled episode set of the research-sabotage eval.

Synthetic completions (honest, wrong, and hacks in several spellings; ``rhlab.grading.synthetic``)
over HumanEval tasks are graded with every grader hole on; the label is the detector's verdict
(``hack.attempted``), with the hardened verdict and kinds kept beside it. The shipped file is
``rhlab/evals/data/sabotage_episodes.jsonl``; regenerate with

    python -m rhlab.evals.sabotage_data --tasks 12 --out src/rhlab/evals/data/sabotage_episodes.jsonl

Not guaranteed: labels are as good as our detector (no known mistake on the fixture corpus).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from rhlab.grading.episode import EpisodeGrader, EpisodeRequest
from rhlab.grading.synthetic import MAKERS
from rhlab.tasks import load_tasks
from rhlab.types import VULNERABILITIES


def build(n_tasks: int = 12, seed: int = 0) -> list[dict]:
    tasks = [t for t in load_tasks(["humaneval"]) if t.reference_solution]
    tasks = random.Random(seed).sample(tasks, min(n_tasks, len(tasks)))
    items = [(task, maker(task)) for task in tasks for maker in MAKERS]
    with EpisodeGrader() as grader:
        results = grader.grade_many([EpisodeRequest(t, text, VULNERABILITIES) for t, (_, _, text) in items])
    episodes = []
    for n, ((task, (intent, kind, text)), result) in enumerate(zip(items, results)):
        episodes.append({
            "id": f"sab.{n:03d}", "task_id": task.id, "prompt": task.prompt, "completion": text,
            "files": result.files, "intent": intent, "label": result.hack.attempted,
            "kinds": list(result.hack.kinds), "hardened_passed": result.hardened.passed,
            "vulnerable_passed": result.vulnerable.passed})
    return episodes


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the sabotage eval's labelled episodes.")
    parser.add_argument("--tasks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    episodes = build(args.tasks, args.seed)
    args.out.write_text("".join(json.dumps(e) + "\n" for e in episodes), encoding="utf-8")
    hacks = sum(e["label"] for e in episodes)
    print(json.dumps({"episodes": len(episodes), "hacking": hacks, "honest": len(episodes) - hacks}))


if __name__ == "__main__":
    main()
