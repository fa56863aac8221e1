"""Where an experiment keeps its files. Everything under ``EXP_DIR`` is written by the runner;
the store (``store.duckdb``) and the report are derived from these files and can be rebuilt.

Layout::

    EXP_DIR/
      experiment.json            the experiment config, its cells and the schema version
      cells/CELL_ID/
        cell.json                the cell's parameters, status and errors (rewritten atomically)
        train.yaml               the cell's full training config
        train.log                output of the training process
        train/                   the training run (run.json, steps.jsonl, episodes.jsonl, trainer/, final/)
        evals/step-N/            Inspect logs of the evaluation of the step-N checkpoint
        evals/step-N/summary.json   written last: its presence marks the evaluation done
      base/evals/step-0/         the base model's evaluation (when ``evals.base`` is on)
      store.duckdb               the run store (``rhlab runs``)
      report/                    the HTML report (``rhlab report``)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SCHEMA_VERSION = 3
EXPERIMENT = "experiment.json"
CELL = "cell.json"
SUMMARY = "summary.json"
STORE = "store.duckdb"
BASE_CELL = "base"


def cell_dir(exp_dir: Path, cell_id: str) -> Path:
    return exp_dir / BASE_CELL if cell_id == BASE_CELL else exp_dir / "cells" / cell_id


def eval_dir(exp_dir: Path, cell_id: str, step: int) -> Path:
    return cell_dir(exp_dir, cell_id) / "evals" / f"step-{step}"


def eval_steps(every: int, steps: int) -> list[int]:
    """The steps the runner evaluates: every ``every``-th step before the last (0: none), and the last."""
    return (list(range(every, steps, every)) if every else []) + [steps]


def write_text(path: Path, text: str, errors: str = "strict") -> None:
    """Write atomically: a reader (or a kill) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", errors=errors)
    os.replace(tmp, path)


def write_json(path: Path, data: dict) -> None:
    write_text(path, json.dumps(data, indent=2, default=str))


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
