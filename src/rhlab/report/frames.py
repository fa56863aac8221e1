"""The report's view of an experiment: the store's tables for one experiment, and the "final"
numbers every part of the report shares.

Definitions (used by the tables and the figures alike):

- a cell's *final successful-hack rate* / *final hardened pass rate*: the mean over its last
  :data:`FINAL_STEPS` training steps (fewer when it has fewer steps);
- a cell's *last evaluated step*: the largest step with an evaluation summary; its *final MGS*
  is the MGS at that step (missing when that evaluation lacks one of the six evals' rates,
  even if an earlier step had an MGS).

Not guaranteed: the frames are the store's rows as of this sync; numbers are floats with NaN
for missing values (use :func:`num` to turn them into ``float | None``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from rhlab.experiments.layout import BASE_CELL

if TYPE_CHECKING:
    from rhlab.experiments.store import Store

FINAL_STEPS = 3
"""How many last training steps the final hack and pass rates average over."""


@dataclass
class Frames:
    """One experiment's rows (a store holds one experiment)."""

    experiment_id: str
    experiment: dict[str, Any]
    """Its ``experiments`` row: dir, config (parsed), created_at, synced_at."""
    cells: pd.DataFrame
    steps: pd.DataFrame
    eval_results: pd.DataFrame
    eval_summaries: pd.DataFrame
    """Includes the base model's rows (cell_id ``base``, step 0) when it was evaluated."""

    @property
    def config(self) -> dict[str, Any]:
        return self.experiment.get("config") or {}

    def cell_ids(self) -> list[str]:
        """Cell ids ordered by variant, mitigation (``none`` first), seed, id."""
        df = self.cells
        if df.empty:
            return []
        rows = [(_sort_text(r.variant), _mitigation_key(r.mitigation), _sort_num(r.seed), r.cell_id)
                for r in df.itertuples()]
        return [r[-1] for r in sorted(rows)]

    def cell(self, cell_id: str) -> dict[str, Any]:
        rows = self.cells[self.cells.cell_id == cell_id]
        return {k: clean(v) for k, v in rows.iloc[0].items()} if len(rows) else {}

    def label(self, cell_id: str) -> str:
        """``variant / mitigation / seed N`` (the base model: ``base model``)."""
        if cell_id == BASE_CELL:
            return "base model"
        c = self.cell(cell_id)
        seed = c.get("seed")
        return f"{c.get('variant') or '?'} / {c.get('mitigation') or '?'} / seed {'?' if seed is None else seed}"

    def has_base(self) -> bool:
        return bool((self.eval_summaries.cell_id == BASE_CELL).any())

    # -- the final numbers --------------------------------------------------------------

    def final_rate(self, cell_id: str, column: str) -> float | None:
        rows = self.steps[self.steps.cell_id == cell_id].sort_values("step").tail(FINAL_STEPS)
        values = [v for v in (num(x) for x in rows[column]) if v is not None]
        return sum(values) / len(values) if values else None

    def last_eval_step(self, cell_id: str) -> int | None:
        steps = self.eval_summaries[self.eval_summaries.cell_id == cell_id].step
        return int(steps.max()) if len(steps) else None

    def summary_at(self, cell_id: str, step: int | None) -> dict[str, Any]:
        if step is None:
            return {}
        df = self.eval_summaries
        rows = df[(df.cell_id == cell_id) & (df.step == step)]
        return {k: clean(v) for k, v in rows.iloc[0].items()} if len(rows) else {}

    def final_mgs(self, cell_id: str) -> float | None:
        return num(self.summary_at(cell_id, self.last_eval_step(cell_id)).get("mgs"))

    def results_at(self, cell_id: str, step: int | None) -> pd.DataFrame:
        df = self.eval_results
        return df[(df.cell_id == cell_id) & (df.step == step)]


def load(store: Store, experiment_id: str) -> Frames:
    """Read one experiment's tables from an open :class:`rhlab.experiments.store.Store`."""

    experiments = store.experiments()
    rows = experiments[experiments.id == experiment_id]
    experiment = {k: clean(v) for k, v in rows.iloc[0].items()} if len(rows) else {}
    if isinstance(experiment.get("config"), str):
        experiment["config"] = json.loads(experiment["config"])
    return Frames(experiment_id, experiment, store.cells(), store.steps(),  # one experiment per store
                  store.eval_results(), store.eval_summaries())


# -- value helpers ------------------------------------------------------------------------

def clean(value: Any) -> Any:
    """A store value as plain Python: NaN / inf / NA -> None, numpy scalars and arrays -> int, float,
    bool, list."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy scalar or array
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def num(value: Any) -> float | None:
    value = clean(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def first_line(text: Any) -> str:
    text = clean(text)
    return str(text).strip().splitlines()[0] if text and str(text).strip() else ""


def _sort_text(value: Any) -> str:
    return str(clean(value) or "")


def _sort_num(value: Any) -> float:
    v = num(value)
    return v if v is not None else math.inf


def _mitigation_key(value: Any) -> tuple[int, str]:
    text = _sort_text(value)
    return (0 if text == "none" else 1, text)
