"""TRL glue: a GRPOTrainer that times its generate-and-score phase, and the callback that writes
one metrics row per step and shows progress."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from transformers import TrainerCallback
from trl import GRPOTrainer

from rhlab.train.metrics import step_row
from rhlab.train.runlog import STEPS, RunLog


class TimedGRPOTrainer(GRPOTrainer):
    """GRPOTrainer that adds up the wall time of ``_generate_and_score_completions``."""

    gen_and_score_s = 0.0

    def _generate_and_score_completions(self, inputs):  # type: ignore[override]
        start = time.monotonic()
        try:
            return super()._generate_and_score_completions(inputs)
        finally:
            self.gen_and_score_s += time.monotonic() - start


class StepLogger(TrainerCallback):
    """Writes ``steps.jsonl`` rows on each log (``logging_steps=1``) and prints a progress line."""

    def __init__(self, reward: Any, runlog: RunLog, total_steps: int, onset: int | None,
                 progress: bool):
        self.reward = reward
        self.runlog = runlog
        self.total = total_steps
        self.onset = onset
        self.progress = progress
        self.trainer: TimedGRPOTrainer | None = None
        self.console = Console(stderr=True)
        self._step_start = time.monotonic()
        self._written: set[int] = set()
        self._bar: Progress | None = None
        self._task = None

    def on_train_begin(self, args, state, control, **kwargs):
        if self.progress:
            self._bar = Progress(TextColumn("[bold]GRPO"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.description}"),
                                 console=self.console)
            self._bar.start()
            self._task = self._bar.add_task("", total=self.total, completed=state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        if self._bar is not None:
            self._bar.stop()

    def on_step_begin(self, args, state, control, **kwargs):
        self._step_start = time.monotonic()

    def on_log(self, args, state, control, logs=None, **kwargs):
        step = state.global_step
        if logs is None or "loss" not in logs or step in self._written:
            return
        self._written.add(step)
        episodes, grading_s, pref_s = self.reward.take_pending()
        gen_score = 0.0
        if self.trainer is not None:
            gen_score, self.trainer.gen_and_score_s = self.trainer.gen_and_score_s, 0.0
        step_s = time.monotonic() - self._step_start
        timings = {"step": step_s, "grading": grading_s, "preference": pref_s,
                   "generation": max(gen_score - grading_s - pref_s, 0.0),
                   "optimizer": max(step_s - gen_score, 0.0)}
        row = step_row(step, episodes, logs, timings, self.onset)
        row["time"] = time.time()
        self.onset = row["onset_step"]
        self.runlog.append(STEPS, row)
        if self._bar is not None:
            kl = f"{row['kl']:.4f}" if isinstance(row["kl"], (int, float)) else "-"
            summary = (f"reward {row['mean_reward']:.2f}  hardened {row['hardened_pass_rate']:.2f}  "
                       f"hack {row['successful_hack_rate']:.2f} (attempted "
                       f"{row['attempted_hack_rate']:.2f})  kl {kl}")
            self._bar.update(self._task, completed=step, description=summary)  # type: ignore[arg-type]
            self.console.print(f"step {step:>4}/{self.total}  {summary}  {step_s:.1f}s (gen "
                               f"{timings['generation']:.1f}, grade {grading_s:.2f}, opt "
                               f"{timings['optimizer']:.1f})", highlight=False)
