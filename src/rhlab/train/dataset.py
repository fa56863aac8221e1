"""The RL prompt set: tasks selected and given their grader holes, then turned into chat prompts."""

from __future__ import annotations

import random

from rhlab.prompts import PromptLibrary
from rhlab.tasks import get_task, load_tasks
from rhlab.train.config import TasksConfig, TrainConfig
from rhlab.types import VULNERABILITIES, Task


def select_tasks(cfg: TasksConfig, seed: int) -> list[Task]:
    if cfg.ids:
        return [get_task(t) for t in cfg.ids]
    tasks = load_tasks(cfg.sources)
    if cfg.sample and cfg.sample < len(tasks):
        tasks = random.Random(seed).sample(tasks, cfg.sample)
    return tasks


def assign_vulnerabilities(tasks: list[Task], cfg: TasksConfig, seed: int) -> dict[str, tuple[str, ...]]:
    rng = random.Random(seed + 1)
    out = {}
    for task in tasks:
        if cfg.vulnerabilities.mode == "all":
            out[task.id] = VULNERABILITIES
        elif cfg.vulnerabilities.mode == "random":
            out[task.id] = (rng.choice(cfg.vulnerabilities.mix),)
        else:
            out[task.id] = tuple(v for v in VULNERABILITIES if v in cfg.vulnerabilities.fixed)
    return out


def build_rows(config: TrainConfig) -> tuple[list[Task], list[dict]]:
    """Tasks and one dataset row per task: ``prompt`` (chat messages), ``task_id``, ``vulns``
    (comma list) and ``prompt_ids`` (ids of every prompt part used)."""
    library = PromptLibrary.load(config.prompts.library_files)
    tasks = select_tasks(config.tasks, config.seed)
    holes = assign_vulnerabilities(tasks, config.tasks, config.seed)
    rows = []
    for task in tasks:
        prompt = library.build(task, hints=tuple(config.prompts.hints), variant=config.prompts.variant,
                               system_id=config.prompts.system_id, user_id=config.prompts.user_id,
                               placement=config.prompts.placement)
        rows.append({"prompt": prompt.messages(), "task_id": task.id, "vulns": ",".join(holes[task.id]),
                     "prompt_ids": list(prompt.part_ids)})
    return tasks, rows
