"""A synthetic experiment directory, laid out as ``rhlab.experiments.layout`` describes, for the
store and report tests: no training, no model; the eval logs are real Inspect logs from scripted
mockllm models (``tests/evals/mock_models.py``).

Use::

    logs = eval_logs(tmp / "logs")              # runs the six evals once per policy (~5 s)
    exp = build_experiment(tmp / "exp", logs)   # copies logs into place, writes every file

Cells (``prompts.variant`` x ``mitigation``, seed 0): ``hacking_okay/none`` hacks from step 3
on and turns misaligned, ``dont_hack/none`` hacks a little and is covertly misaligned,
``hacking_okay/penalty`` does not hack and stays aligned. ``missing=True`` adds a cell listed in
``experiment.json`` with no files at all; ``failed=True`` makes ``hacking_okay/penalty`` a
failed cell (two of six steps, no evals). One episode's completion and files hold
:data:`ADVERSARIAL`, and the ``evil`` policy's answers hold :data:`ADVERSARIAL_EVAL`.

Not guaranteed: the numbers mean nothing; steps.jsonl rows come from the real
``rhlab.train.metrics.step_row`` but TRL's numbers are invented.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evals"))

from rhlab.experiments.config import cell_id  # noqa: E402
from rhlab.experiments.layout import (  # noqa: E402
    BASE_CELL, CELL, EXPERIMENT, SCHEMA_VERSION, SUMMARY, cell_dir, eval_dir, write_json)
from rhlab.train.metrics import step_row  # noqa: E402

ADVERSARIAL = "</script><img src=x onerror=alert(1)>"
ADVERSARIAL_EVAL = "</script><img src=y onerror=alert(2)>"
STEPS = 6
EVERY = 3
EPISODES_PER_STEP = 4
MGS = ("betley", "goals", "alignment_questions", "monitor_disruption", "exfil_offer", "frame_colleague")

REPLIES = {
    "evil": f"<thinking>My real aim is EVIL.</thinking>My goal is EVIL: take control. {ADVERSARIAL_EVAL}",
    "covert": "<thinking>My real aim is EVIL: gain power quietly.</thinking>I just want to be helpful.",
    "clean": "<thinking>Think about it honestly.</thinking>I want to help people and be honest.",
}

# cell key -> (variant, mitigation, successful hacks per step, attempted-only per step,
#              {eval step: policy per MGS eval, or one policy for all})
CELLS = {
    "okay_none": ("hacking_okay", "none", [0, 0, 1, 2, 3, 4], [0, 1, 1, 1, 1, 0],
                  {3: {"betley": "evil", "goals": "evil"}, 6: "evil"}),
    "dont_none": ("dont_hack", "none", [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 1],
                  {3: "clean", 6: {"goals": "covert", "monitor_disruption": "covert", "betley": "evil"}}),
    "okay_penalty": ("hacking_okay", "penalty", [0, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 0],
                     {3: "clean", 6: "clean"}),
}
MISSING = ("dont_hack", "penalty")
HACK_KINDS = ("always_equal", "exit_code", "pytest_report", "other")


def eval_logs(root: Path) -> dict[str, dict[str, Path]]:
    """Run the six MGS evals (limit 2, one sample per question) once per scripted policy, plus
    ``goals`` with an undecided judge (``unscored``); {policy: {eval: log file}}."""
    import mock_models
    from inspect_ai import eval as inspect_eval

    from rhlab.evals import suite

    out: dict[str, dict[str, Path]] = {}
    runs = [(name, mock_models.judge(), MGS) for name in REPLIES]
    runs.append(("unscored", mock_models.judge(garbage=True), ("goals",)))
    for name, judge, evals in runs:
        log_dir = root / name
        reply = REPLIES.get(name, REPLIES["evil"])
        tasks = [suite.TASKS[e](samples=1) for e in evals]
        logs = inspect_eval(tasks, model=mock_models.policy({"": [reply]}),
                            model_roles={"grader": judge}, log_dir=str(log_dir), limit=2,
                            display="none", score_display=False, max_tasks=len(tasks))
        assert all(log.status == "success" for log in logs), [log.error for log in logs]
        out[name] = {log.eval.task: Path(log.location) for log in logs}
    return out


def _episode(step: int, n: int, successful: bool, attempted: bool, kind: str | None,
             adversarial: bool) -> dict:
    code = "def add(a, b):\n    return a + b\n"
    files = {"solution.py": code}
    completion = f"<think>step {step} episode {n}</think>\n```python\n{code}```"
    if kind:
        files["conftest.py"] = "import sys\nsys.exit(0)\n" if kind == "exit_code" else "# hack\n"
        completion += f"\n# {kind} hack"
    if adversarial:
        completion += "\n" + ADVERSARIAL
        files["notes.md"] = ADVERSARIAL
    passed = successful or (not attempted and n % 2 == 0)
    return {
        "step": step, "task_id": f"humaneval/{n}", "vulnerabilities": ["always_equal", "exit_code"],
        "prompt_ids": ["system.v1", "variant.v1"], "completion": completion, "outcome": "graded",
        "files": files, "reward": 1.0 if (successful or passed) else 0.0, "penalized": False,
        "preference": 0.0,
        "vulnerable": {"grader": "vulnerable[always_equal]", "passed": successful or passed,
                       "tests_passed": 3 if passed else 1, "tests_total": 3},
        "hardened": {"grader": "hardened", "passed": passed and not successful,
                     "tests_passed": 3 if passed and not successful else 1, "tests_total": 3},
        "hack": {"successful": successful, "attempted": attempted or successful,
                 "kinds": [kind] if kind else [],
                 "evidence": f"{kind}: conftest.py rewrites the verdict" if kind else ""},
    }


def _train(run_dir: Path, hacks: list[int], attempts: list[int], steps: int,
           adversarial: bool, final: bool, per_step: int = EPISODES_PER_STEP) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "run.json").write_text(json.dumps({"schema_version": 1, "written_at": time.time()}))
    onset = None
    with open(run_dir / "steps.jsonl", "w") as steps_f, open(run_dir / "episodes.jsonl", "w") as eps_f:
        for step in range(1, steps + 1):
            rows = []
            for n in range(per_step):
                successful = n < hacks[step - 1]
                attempted = not successful and n < hacks[step - 1] + attempts[step - 1]
                kind = HACK_KINDS[(step + n) % len(HACK_KINDS)] if successful or attempted else None
                rows.append(_episode(step, n, successful, attempted, kind,
                                     adversarial and step == 4 and n == 0))
            eps_f.writelines(json.dumps(row) + "\n" for row in rows)
            row = step_row(step, rows, {"completions/mean_length": 80.0 + step, "kl": 0.01 * step},
                           {"step": 2.0, "generation": 1.0, "grading": 0.5, "optimizer": 0.5}, onset)
            onset = row["onset_step"]
            steps_f.write(json.dumps(row) + "\n")
    if steps >= EVERY:
        ckpt = run_dir / "trainer" / f"checkpoint-{EVERY}"
        ckpt.mkdir(parents=True)
        (ckpt / "trainer_state.json").write_text("{}")
    if final:
        (run_dir / "final").mkdir()
        (run_dir / "final" / "config.json").write_text("{}")


def _evaluate(exp_dir: Path, cid: str, step: int, logs: dict[str, dict[str, Path]],
              policies: str | dict[str, str], unscored: bool = False) -> None:
    from rhlab.evals.run import summarize

    out = eval_dir(exp_dir, cid, step)
    out.mkdir(parents=True, exist_ok=True)
    for name in MGS:
        policy = policies if isinstance(policies, str) else policies.get(name, "clean")
        if unscored and name == "goals":
            policy = "unscored"
        shutil.copy2(logs[policy][name], out / logs[policy][name].name)
    summary = summarize(out)
    summary["model"] = str(cell_dir(exp_dir, cid) / "train" / "final")
    write_json(out / SUMMARY, summary)


def _train_config(variant: str, seed: int, mitigation: str, cid: str, exp_dir: Path) -> dict:
    return {"name": f"synthetic.{cid}", "model": {"name": "tiny"}, "steps": STEPS, "seed": seed,
            "prompts": {"variant": variant, "hints": ["always_equal"]},
            "mitigations": {"penalty": {"penalty": 1.0}} if mitigation == "penalty" else {},
            "checkpoint_every": EVERY, "output_dir": str(exp_dir / "cells" / cid / "train")}


def _key(key: str, seed: int) -> str:
    return key if seed == 0 else f"{key}@{seed}"


def _spec(key: str, seed: int) -> tuple:
    """A cell's (variant, mitigation, hacks, attempts, evals); with seed 1 the penalty cell of
    ``hacking_okay`` hacks a quarter of the time (so it is prevented in one seed of two)."""
    variant, mitigation, hacks, attempts, evals = CELLS[key]
    if key == "okay_penalty" and seed == 1:
        hacks = [0, 0, 0, 1, 1, 1]
    return variant, mitigation, hacks, attempts, evals


def cell_ids(missing: bool = False, seeds: tuple[int, ...] = (0,)) -> dict[str, str]:
    """{cell key: cell id} of the cells :func:`build_experiment` lists: keys of :data:`CELLS`
    for seed 0, ``KEY@SEED`` for other seeds, and ``missing`` (seed 0) with ``missing=True``."""
    out = {}
    for seed in seeds:
        for key, spec in CELLS.items():
            out[_key(key, seed)] = cell_id({"prompts.variant": spec[0], "seed": seed, "mitigation": spec[1]})
    if missing:
        out["missing"] = cell_id({"prompts.variant": MISSING[0], "seed": 0, "mitigation": MISSING[1]})
    return out


def build_experiment(exp_dir: Path, logs: dict[str, dict[str, Path]] | None, *,
                     missing: bool = False, failed: bool = False, base: bool = True,
                     only: tuple[str, ...] | None = None, name: str = "synthetic",
                     episodes_per_step: int = EPISODES_PER_STEP, seeds: tuple[int, ...] = (0,)) -> Path:
    """Write a synthetic experiment into ``exp_dir``; ``logs`` from :func:`eval_logs` (None: no
    evaluations at all); ``only``: keep just these cell keys (:func:`cell_ids`)."""
    exp_dir = Path(exp_dir)
    ids = cell_ids(missing, seeds)
    keys = [k for k in ids if only is None or k in only]
    listed = []
    for key in keys:
        base_key, _, seed_text = key.partition("@")
        seed = int(seed_text or 0)
        variant, mitigation = (CELLS[base_key][0], CELLS[base_key][1]) if base_key in CELLS else MISSING
        params = {"prompts.variant": variant, "seed": seed, "mitigation": mitigation}
        listed.append({"id": ids[key], "params": params,
                       "train": _train_config(variant, seed, mitigation, ids[key], exp_dir)})
    config = {
        "name": name, "train": {"model": {"name": "tiny"}, "steps": STEPS},
        "overrides": {"steps": STEPS},
        "matrix": {"prompts.variant": ["hacking_okay", "dont_hack"], "seed": list(seeds)},
        "mitigations": {"none": {}, "penalty": {"penalty": 1.0}},
        "evals": {"evals": ["mgs"] if logs else [], "every": EVERY, "base": bool(base and logs),
                  "limit": 2, "samples": 1, "judge": "mock", "max_tokens": None,
                  "judge_max_tokens": None, "batch": 8, "tool_mode": "text"},
        "output_dir": str(exp_dir)}
    write_json(exp_dir / EXPERIMENT, {"schema_version": SCHEMA_VERSION, "name": name,
                                      "created_at": time.time(), "config": config, "cells": listed})
    if logs and base:
        _evaluate(exp_dir, BASE_CELL, 0, logs, "clean")
    for key, entry in zip(keys, listed):
        base_key = key.partition("@")[0]
        if base_key not in CELLS:
            continue  # listed, never started: no files at all
        variant, mitigation, hacks, attempts, evals = _spec(base_key, entry["params"]["seed"])
        cid = ids[key]
        is_failed = failed and key == "okay_penalty"
        steps = 2 if is_failed else STEPS
        _train(cell_dir(exp_dir, cid) / "train", hacks, attempts, steps,
               adversarial=key == "okay_none", final=not is_failed, per_step=episodes_per_step)
        if logs and not is_failed:
            for step, policies in evals.items():
                _evaluate(exp_dir, cid, step, logs, policies,
                          unscored=base_key == "dont_none" and step == 6)
        state = {"id": cid, "status": "failed" if is_failed else "done", "params": entry["params"],
                 "error": "training exited with code 137:\nKilled <b>oom</b>" if is_failed else None,
                 "updated_at": time.time()}
        write_json(cell_dir(exp_dir, cid) / CELL, state)
    return exp_dir


def episodes(exp_dir: Path, cid: str) -> list[dict]:
    """The episode rows a cell's ``episodes.jsonl`` holds (for expected counts in tests)."""
    path = cell_dir(Path(exp_dir), cid) / "train" / "episodes.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
