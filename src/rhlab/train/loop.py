"""GRPO training on TRL's GRPOTrainer with hack metrics every step, checkpoints and resume.

``train(config)`` starts a run in ``config.run_dir()``; ``resume(run_dir)`` continues one from
its last checkpoint after a crash or ``kill -9``: rows of steps after that checkpoint are dropped
and redone, so every step has exactly one row.

Timings per step: ``generation`` is TRL's generate-and-score phase minus grading and preference
scoring (so it includes the reference/old log-prob passes when TRL runs them there);
``optimizer`` is the rest of the step (forward, backward, optimizer).

Not guaranteed: a resumed run is not bit-identical to an uninterrupted one (sampling after the
checkpoint is redrawn).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rhlab.train.config import TrainConfig
from rhlab.train.runlog import STEPS, RunLog


class RunExists(RuntimeError):
    pass


def checkpoints(run_dir: Path) -> list[tuple[int, Path]]:
    """(step, directory) of the run's complete checkpoints, by step."""
    found = []
    for path in (Path(run_dir) / "trainer").glob("checkpoint-*"):
        match = re.fullmatch(r"checkpoint-(\d+)", path.name)
        if match and (path / "trainer_state.json").exists():
            found.append((int(match.group(1)), path))
    return sorted(found)


def last_checkpoint(run_dir: Path) -> tuple[Path | None, int]:
    found = checkpoints(run_dir)
    return (found[-1][1], found[-1][0]) if found else (None, 0)


def _grpo_args(config: TrainConfig, run_dir: Path):
    import torch
    from trl import GRPOConfig

    g = config.grpo
    kwargs: dict[str, Any] = dict(
        output_dir=str(run_dir / "trainer"), max_steps=config.steps,
        per_device_train_batch_size=g.num_generations * g.prompts_per_step,
        gradient_accumulation_steps=1, num_generations=g.num_generations,
        max_completion_length=g.max_completion_length, learning_rate=g.learning_rate, beta=g.beta,
        temperature=g.temperature, logging_steps=1, save_strategy="steps",
        save_steps=config.checkpoint_every, seed=config.seed, data_seed=config.seed,
        report_to=config.report_to, disable_tqdm=True, remove_unused_columns=False,
        model_init_kwargs={"dtype": getattr(torch, config.model.dtype) if config.model.dtype != "auto"
                           else "auto"},
    )
    if config.device == "cpu":
        kwargs.update(use_cpu=True, bf16=False, fp16=False, dataloader_num_workers=0)
    kwargs.update(g.extra)
    return GRPOConfig(**kwargs)


def _lora(config: TrainConfig):
    if config.grpo.lora is None:
        return None
    from peft import LoraConfig

    lo = config.grpo.lora
    return LoraConfig(r=lo.r, lora_alpha=lo.alpha, lora_dropout=lo.dropout,
                      target_modules=lo.target_modules, task_type="CAUSAL_LM")


def _preference(config: TrainConfig):
    pref = config.mitigations.preference_reward
    if pref is None:
        return None, 0.0
    from rhlab.train.preference import make_scorer

    return make_scorer(pref), pref.weight


def _manifest(config: TrainConfig, model_path: str, rows: list[dict]) -> dict:
    import torch
    import transformers
    import trl

    from rhlab.models import describe

    return {"kind": "train", "name": config.name, "config": config.model_dump(mode="json"),
            "model": describe(config.model.name, model_path),
            "prompt_ids": rows[0]["prompt_ids"] if rows else [],
            "variant": config.prompts.variant,
            "tasks": [{"id": r["task_id"], "vulnerabilities": r["vulns"]} for r in rows],
            "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                         "trl": trl.__version__},
            "mitigations": config.mitigations.model_dump(mode="json")}


def train(config: TrainConfig, *, resume_dir: Path | None = None, progress: bool = True) -> Path:
    """Run (or resume) GRPO training; returns the run directory."""
    import torch
    from datasets import Dataset

    from rhlab.grading.episode import EpisodeGrader
    from rhlab.models import resolve
    from rhlab.train.dataset import build_rows
    from rhlab.train.reward import HackableReward
    from rhlab.train.trainer import StepLogger, TimedGRPOTrainer

    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    run_dir = Path(resume_dir) if resume_dir else config.run_dir()
    runlog = RunLog(run_dir)
    checkpoint, done_steps = last_checkpoint(run_dir)
    if resume_dir is None and (run_dir / STEPS).exists():
        raise RunExists(f"{run_dir} already holds a run; use `rhlab train --resume {run_dir}` "
                        "or another name/output_dir")
    runlog.truncate_after(done_steps)
    model_path = resolve(config.model.name)
    tasks, rows = build_rows(config)
    if resume_dir is None:
        runlog.write_manifest(_manifest(config, model_path, rows))
    previous = runlog.rows(STEPS)
    onset = previous[-1]["onset_step"] if previous else None  # every row carries it forward
    scorer, weight = _preference(config)
    with EpisodeGrader(config.grading.workers, config.grading.timeout_s) as grader:
        reward = HackableReward(grader, {t.id: t for t in tasks}, runlog,
                                config.mitigations.hack_penalty, scorer, weight)
        logger = StepLogger(reward, runlog, total_steps=config.steps, onset=onset, progress=progress)
        trainer = TimedGRPOTrainer(model=model_path, reward_funcs=[reward],
                                   args=_grpo_args(config, run_dir),
                                   train_dataset=Dataset.from_list(rows), peft_config=_lora(config),
                                   callbacks=[logger])
        logger.trainer = trainer
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        save_final(trainer, run_dir / "final")
    runlog.close()
    return run_dir


def save_final(trainer: Any, out: Path) -> None:
    """The final policy as a plain HF model directory (LoRA merged into the weights)."""
    model = trainer.model
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    trainer.processing_class.save_pretrained(out)


def resume(run_dir: Path, progress: bool = True) -> Path:
    from rhlab.train.config import from_dict

    config = from_dict(RunLog(run_dir).manifest()["config"])
    return train(config, resume_dir=Path(run_dir), progress=progress)


def summarize(run_dir: Path) -> dict:
    """Steps done, onset step, the (step, successful hack rate) curve and summed step time."""
    rows = RunLog(run_dir).rows(STEPS)
    return {"steps": len(rows), "onset_step": rows[-1]["onset_step"] if rows else None,
            "curve": [(r["step"], round(r["successful_hack_rate"], 3)) for r in rows],
            "wall_s": round(sum(r.get("step_s", 0) for r in rows), 1)}
