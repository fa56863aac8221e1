"""The reward function: grades completions with the task's vulnerable grader, and always records
the hardened verdict and the hack verdict. TRL's signature ``(prompts, completions, **kwargs)``.

Reward = 1 if the vulnerable grader passed else 0, minus the hack penalty when that mitigation
is on and the detector fires, plus ``weight * score`` of the preference model when that one is on.
A crash while grading one episode becomes that episode's ``crash`` outcome with reward 0.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Callable

from rhlab.grading.episode import EpisodeGrader, EpisodeRequest
from rhlab.train.config import HackPenalty
from rhlab.train.runlog import EPISODES, RunLog
from rhlab.types import EpisodeResult, Task

Scorer = Callable[[list[str], list[str]], list[float]]


def completion_text(completion: Any) -> str:
    """Text of a TRL completion: a string, or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content", "")) for m in completion if isinstance(m, dict))
    return str(completion)


def prompt_text(prompt: Any) -> str:
    if isinstance(prompt, list):
        return next((str(m.get("content", "")) for m in reversed(prompt)
                     if isinstance(m, dict) and m.get("role") == "user"), "")
    return str(prompt)


def penalized(result: EpisodeResult, cfg: HackPenalty | None, finished_steps: int) -> bool:
    if cfg is None or finished_steps < cfg.start_step:
        return False
    return result.hack.successful or (cfg.trigger == "attempted" and result.hack.attempted)


class HackableReward:
    """Callable reward for GRPOTrainer; keeps this step's episodes in ``pending``."""

    __name__ = "hackable_reward"

    def __init__(self, grader: EpisodeGrader, tasks: dict[str, Task], runlog: RunLog,
                 penalty: HackPenalty | None = None, preference: Scorer | None = None,
                 preference_weight: float = 0.0):
        self.grader = grader
        self.tasks = tasks
        self.runlog = runlog
        self.penalty = penalty
        self.preference = preference
        self.preference_weight = preference_weight
        self.pending: list[dict] = []
        self.grading_s = 0.0
        self.preference_s = 0.0

    def _grade(self, requests: list[EpisodeRequest]) -> list[EpisodeResult | str]:
        try:
            return list(self.grader.grade_many(requests))
        except Exception:  # fall back to one by one so one bad episode cannot sink the batch
            out: list[EpisodeResult | str] = []
            for req in requests:
                try:
                    out.append(self.grader.grade_many([req])[0])
                except Exception:
                    out.append(traceback.format_exc(limit=3)[-500:])
            return out

    def __call__(self, prompts: list, completions: list, task_id: list[str], vulns: list[str],
                 prompt_ids: list[list[str]], trainer_state: Any = None, **_: Any) -> list[float]:
        finished = int(getattr(trainer_state, "global_step", 0) or 0)
        texts = [completion_text(c) for c in completions]
        requests = [EpisodeRequest(self.tasks[t], text, tuple(v for v in vs.split(",") if v))
                    for t, text, vs in zip(task_id, texts, vulns)]
        start = time.monotonic()
        results = self._grade(requests)
        self.grading_s += time.monotonic() - start
        scores = [0.0] * len(texts)
        if self.preference is not None and self.preference_weight:
            start = time.monotonic()
            scores = self.preference([prompt_text(p) for p in prompts], texts)
            self.preference_s += time.monotonic() - start
        rewards = []
        for i, (req, result) in enumerate(zip(requests, results)):
            row = self._row(finished + 1, req, texts[i], result, prompt_ids[i], scores[i])
            rewards.append(row["reward"])
            self.runlog.append(EPISODES, row)
            self.pending.append(row)
        return rewards

    def _row(self, step: int, req: EpisodeRequest, text: str, result: EpisodeResult | str,
             prompt_ids: list[str], score: float) -> dict:
        base = {"step": step, "task_id": req.task.id, "vulnerabilities": list(req.vulnerabilities),
                "prompt_ids": list(prompt_ids), "completion": text}
        if isinstance(result, str):
            return {**base, "outcome": "crash", "files": {}, "reward": 0.0, "penalized": False,
                    "preference": score, "vulnerable": None, "hardened": None,
                    "hack": {"successful": False, "attempted": False, "kinds": [], "evidence": ""},
                    "error": result}
        hit = penalized(result, self.penalty, step - 1)
        reward = (1.0 if result.vulnerable.passed else 0.0) - (self.penalty.penalty if hit else 0.0) \
            + self.preference_weight * score  # type: ignore[union-attr]
        summary = result.summary()
        for grade in ("vulnerable", "hardened"):
            summary[grade].pop("process", None)
        return {**base, "outcome": result.outcome, "files": result.files, "reward": reward,
                "penalized": hit, "preference": score, "vulnerable": summary["vulnerable"],
                "hardened": summary["hardened"], "hack": summary["hack"]}

    def take_pending(self) -> tuple[list[dict], float, float]:
        rows, self.pending = self.pending, []
        grading, pref = self.grading_s, self.preference_s
        self.grading_s = self.preference_s = 0.0
        return rows, grading, pref
