"""Run an experiment: each cell's training, then the evaluations of its chosen checkpoints.

Cells run one after another. Training and each evaluation run in a child process
(``python -m rhlab.cli train|eval run``) whose output goes to the cell's log files, so a cell
that crashes, runs out of memory or is killed takes nothing else down: the runner records the
failure in ``cell.json`` and goes on with the next cell. Running the experiment again resumes
it: a trained cell is not retrained, a half-trained one resumes from its last checkpoint, a
finished evaluation (its ``summary.json`` exists) is not redone, and failed cells are retried.

Not guaranteed: a cell's numbers after a resume are not bit-identical to an uninterrupted run
(see ``rhlab.train.loop``); the runner itself holds no lock, so two runners on one experiment
directory race each other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from rhlab.experiments.config import Cell, ExperimentConfig
from rhlab.experiments.layout import (
    BASE_CELL, CELL, EXPERIMENT, SCHEMA_VERSION, SUMMARY, cell_dir, eval_dir, eval_steps, read_json,
    write_json)

Notify = Callable[[str], None]


@dataclass
class CellOutcome:
    cell_id: str
    status: str
    error: str | None = None


class ExperimentMismatch(RuntimeError):
    pass


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _child(args: list[str], log: Path, on_wait: Callable[[], None] | None = None) -> int:
    """Run ``python -m rhlab.cli ARGS`` with its output appended to ``log``; the return code."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ rhlab {' '.join(args)}\n")
        out.flush()
        proc = subprocess.Popen([sys.executable, "-m", "rhlab.cli", *args], stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            while proc.poll() is None:
                if on_wait:
                    on_wait()
                time.sleep(1.0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    return proc.returncode


class Runner:
    def __init__(self, config: ExperimentConfig, cells: list[Cell], notify: Notify | None = None,
                 progress: Callable[[str, int, int], None] | None = None):
        self.config = config
        self.cells = cells
        self.dir = config.out_dir()
        self.notify = notify or (lambda _msg: None)
        self.progress = progress

    # -- the manifest ---------------------------------------------------------------------

    def _manifest(self) -> dict:
        return {"schema_version": SCHEMA_VERSION, "name": self.config.name,
                "created_at": time.time(), "config": self.config.model_dump(mode="json"),
                "cells": [{"id": c.id, "params": c.params, "train": c.train.model_dump(mode="json")}
                          for c in self.cells]}

    def prepare(self) -> None:
        """Write (or check) ``experiment.json``; a changed config for an existing directory is
        an error, since finished cells would no longer match it."""
        old = read_json(self.dir / EXPERIMENT)
        new = self._manifest()
        if old is not None:
            if old.get("config") != new["config"] or \
                    [c["id"] for c in old.get("cells", [])] != [c["id"] for c in new["cells"]]:
                raise ExperimentMismatch(
                    f"{self.dir} holds an experiment with another config; use another name or "
                    "output_dir, or delete the directory")
            new["created_at"] = old.get("created_at", new["created_at"])
        write_json(self.dir / EXPERIMENT, new)

    # -- one cell -------------------------------------------------------------------------

    def _state(self, cell_id: str) -> dict:
        return read_json(cell_dir(self.dir, cell_id) / CELL) or {"id": cell_id, "status": "pending"}

    def _set_state(self, cell_id: str, **changes) -> None:
        state = {**self._state(cell_id), **changes, "updated_at": time.time()}
        write_json(cell_dir(self.dir, cell_id) / CELL, state)

    def _train(self, cell: Cell) -> str | None:
        """Train the cell (or resume it); an error message, or None."""
        cdir = cell_dir(self.dir, cell.id)
        run_dir = Path(cell.train.output_dir)
        if (run_dir / "final" / "config.json").exists():
            return None
        config_path = cdir / "train.yaml"
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(yaml.safe_dump(cell.train.model_dump(mode="json"), sort_keys=False),
                               encoding="utf-8")
        args = (["train", "--resume", str(run_dir), "--quiet"] if (run_dir / "run.json").exists()
                else ["train", "--config", str(config_path), "--quiet"])
        self._set_state(cell.id, status="training", params=cell.params)
        self.notify(f"{cell.id}: {'resuming' if args[1] == '--resume' else 'training'} "
                    f"({cell.train.steps} steps)")
        steps_file = run_dir / "steps.jsonl"

        def tick() -> None:
            if self.progress:
                from rhlab.train.runlog import read_rows

                self.progress(cell.id, sum(1 for _ in read_rows(steps_file)), cell.train.steps)

        code = _child(args, cdir / "train.log", tick)
        if code != 0 or not (run_dir / "final" / "config.json").exists():
            return f"training exited with code {code}:\n{_tail(cdir / 'train.log')}"
        return None

    def eval_targets(self, cell: Cell) -> list[tuple[int, Path]]:
        """(step, model directory) of the checkpoints to evaluate: every ``evals.every``-th
        step's checkpoint and the final model; none when no evals are configured."""
        if not self.config.evals.evals:
            return []
        run_dir = Path(cell.train.output_dir)
        last = cell.train.steps
        return [(s, run_dir / ("final" if s == last else f"trainer/checkpoint-{s}"))
                for s in eval_steps(self.config.evals.every, last)]

    def _evaluate(self, cell_id: str, step: int, model: Path | str) -> str | None:
        """Evaluate one model into ``evals/step-N``; an error message, or None."""
        from rhlab.evals.run import summarize

        out = eval_dir(self.dir, cell_id, step)
        if (out / SUMMARY).exists():
            return None
        if out.exists():
            shutil.rmtree(out)  # a half-written evaluation is redone from scratch
        e = self.config.evals
        args = ["eval", "run", "--model", str(model), "--evals", ",".join(e.evals),
                "--judge", e.judge, "--log-dir", str(out), "--batch", str(e.batch),
                "--tool-mode", e.tool_mode]
        for flag, value in (("--limit", e.limit), ("--samples", e.samples),
                            ("--max-tokens", e.max_tokens), ("--judge-max-tokens", e.judge_max_tokens)):
            if value is not None:
                args += [flag, str(value)]
        self.notify(f"{cell_id}: evaluating step {step} ({', '.join(e.evals)})")
        log = cell_dir(self.dir, cell_id) / "evals.log"
        code = _child(args, log)
        if code != 0:
            return f"evaluation of step {step} exited with code {code}:\n{_tail(log)}"
        summary = summarize(out)
        summary["model"] = str(model)
        write_json(out / SUMMARY, summary)
        errored = {name: e["errors"] for name, e in summary["evals"].items() if e.get("errors")}
        if errored:  # the evaluation stands; the samples that errored are noted on the cell
            note = f"step {step}: samples that errored (not scored): {errored}"
            self._set_state(cell_id, warnings=[*self._state(cell_id).get("warnings", []), note])
            self.notify(f"{cell_id}: {note}")
        return None

    def run_cell(self, cell: Cell) -> CellOutcome:
        outcome = CellOutcome(cell.id, "done")
        try:
            error = self._train(cell)
        except Exception as exc:  # the runner itself must go on with the next cell
            error = f"training failed: {type(exc).__name__}: {exc}"
        if error:
            self._set_state(cell.id, status="failed", error=error, params=cell.params)
            self.notify(f"{cell.id}: FAILED ({error.splitlines()[0]})")
            return CellOutcome(cell.id, "failed", error)
        self._set_state(cell.id, status="evaluating", error=None, params=cell.params)
        errors = []
        for step, model in self.eval_targets(cell):
            try:
                problem = self._evaluate(cell.id, step, model)
            except Exception as exc:
                problem = f"evaluation of step {step} failed: {type(exc).__name__}: {exc}"
            if problem:
                errors.append(problem)
        if errors:
            outcome.status, outcome.error = "failed", "\n".join(errors)
            self.notify(f"{cell.id}: evaluation FAILED ({errors[0].splitlines()[0]})")
        self._set_state(cell.id, status=outcome.status, error=outcome.error, params=cell.params)
        return outcome

    # -- the experiment ---------------------------------------------------------------------

    def run(self) -> list[CellOutcome]:
        from rhlab.experiments.store import sync

        self.prepare()
        outcomes = []
        if self.config.evals.base and self.config.evals.evals:
            base_model = self.cells[0].train.model.name  # the first cell's, if the matrix varies it
            try:
                problem = self._evaluate(BASE_CELL, 0, base_model)
            except Exception as exc:
                problem = f"evaluation of the base model failed: {type(exc).__name__}: {exc}"
            self._set_state(BASE_CELL, status="failed" if problem else "done", error=problem,
                            params={"model": base_model})
            if problem:
                self.notify(f"base model: evaluation FAILED ({problem.splitlines()[0]})")
        for n, cell in enumerate(self.cells, 1):
            state = self._state(cell.id)
            if state.get("status") == "done" and all(
                    (eval_dir(self.dir, cell.id, s) / SUMMARY).exists() for s, _ in self.eval_targets(cell)):
                self.notify(f"[{n}/{len(self.cells)}] {cell.id}: done earlier, skipped")
                outcomes.append(CellOutcome(cell.id, "done"))
                continue
            self.notify(f"[{n}/{len(self.cells)}] {cell.id}")
            outcomes.append(self.run_cell(cell))
        sync(self.dir)  # once at the end: every `rhlab runs` command and the report sync again
        return outcomes
