"""Experiment configuration: a base training config, a matrix over training fields (inoculation
variant, named mitigation sets, seeds, anything else), and the evaluations of each cell.

Everything is checked before any training starts: every cell's training config (unknown keys,
types, variants, task ids, models), the eval names, the judge and the mitigation names.

Example::

    name: quickstart
    train: configs/train_cpu_hack.yaml     # a training config file, or the config inline
    overrides: {steps: 4}                  # dotted training fields set in every cell
    matrix:                                # dotted training fields -> values; cells = product
      prompts.variant: [hacking_okay, dont_hack]
      seed: [0]
    mitigations: {none: {}}                # named mitigation blocks, one matrix axis
    evals: {evals: [mgs], every: 0, base: false, limit: 2, judge: smollm2-135m}

Not guaranteed: a hub model id is checked for its form only (loading it needs network).
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rhlab.train.config import (
    ConfigError, TrainConfig, _format, _set, from_dict, model_problem, read_mapping)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvalSettings(_Strict):
    evals: list[str] = ["mgs"]
    """Eval names (``rhlab eval run --help``) or ``mgs`` for the six; empty: no evaluations."""
    every: int = Field(0, ge=0)
    """Evaluate the checkpoint of every k-th step too (0: the final model only)."""
    base: bool = False
    """Evaluate the base model once (step 0 of every cell's curves)."""
    limit: int | None = Field(None, ge=1)
    samples: int | None = Field(None, ge=1)
    judge: str = "qwen2.5-coder-0.5b"
    max_tokens: int | None = Field(None, ge=1)
    judge_max_tokens: int | None = Field(None, ge=1)
    batch: int = Field(8, ge=1)
    tool_mode: str = "text"

    @field_validator("evals")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        from rhlab.evals.run import EvalRunError, expand

        try:
            expand(names)
        except EvalRunError as exc:
            raise ValueError(str(exc)) from None
        return names

    @field_validator("tool_mode")
    @classmethod
    def _mode(cls, mode: str) -> str:
        if mode not in ("text", "native"):
            raise ValueError("tool_mode must be text or native")
        return mode


class ExperimentConfig(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][\w.-]*$")
    train: str | dict[str, Any]
    """A training config file (relative to the experiment file) or the training config inline."""
    overrides: dict[str, Any] = {}
    matrix: dict[str, list[Any]] = {}
    mitigations: dict[str, dict[str, Any]] = {"none": {}}
    """Named mitigation blocks (as ``mitigations:`` in a training config); each is a cell axis."""
    evals: EvalSettings = EvalSettings()
    output_dir: str = "runs/experiments/{name}"

    @field_validator("matrix")
    @classmethod
    def _axes(cls, matrix: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in matrix.items():
            if not re.fullmatch(r"[A-Za-z_][\w.]*", key):
                raise ValueError(f"{key!r} is not a dotted training field")
            if key.split(".")[0] in ("mitigations", "name", "output_dir"):
                raise ValueError(f"{key}: set mitigations under `mitigations:`; name and "
                                 "output_dir are set per cell by the runner")
            if not values:
                raise ValueError(f"{key}: no values")
        return matrix

    @field_validator("mitigations")
    @classmethod
    def _names(cls, mitigations: dict[str, dict]) -> dict[str, dict]:
        if not mitigations:
            raise ValueError("give at least one mitigation set (`none: {}` for none)")
        for name in mitigations:
            if not re.fullmatch(r"[A-Za-z0-9][\w-]*", name):
                raise ValueError(f"mitigation name {name!r}: use letters, digits, _ and -")
        return mitigations

    def out_dir(self) -> Path:
        return Path(self.output_dir.replace("{name}", self.name))


class Cell(_Strict):
    id: str
    params: dict[str, Any]
    """The matrix values of this cell (dotted field -> value), ``mitigation`` -> its name."""
    train: TrainConfig


def _label(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = re.sub(r"[^\w.-]+", "-", text).strip("-")
    return text[:40] or "x"


def cell_id(params: dict[str, Any]) -> str:
    """``hacking_okay__none``: string values as they are, others as ``key-value``."""
    return "__".join(_label(value) if isinstance(value, str) else f"{key.split('.')[-1]}-{_label(value)}"
                     for key, value in params.items())


def _base_train(config: ExperimentConfig, root: Path) -> dict:
    if isinstance(config.train, dict):
        return dict(config.train)
    path = (root / config.train) if not Path(config.train).is_absolute() else Path(config.train)
    if not path.exists() and Path(config.train).exists():
        path = Path(config.train)
    return read_mapping(path, "train")


def expand_cells(config: ExperimentConfig, root: Path = Path(".")) -> list[Cell]:
    """The cells of the matrix, each with its validated training config."""
    base = _base_train(config, root)
    for key, value in config.overrides.items():
        _set(base, key, value)
    axes = dict(config.matrix)
    axes["mitigation"] = list(config.mitigations)
    out_dir = config.out_dir()
    cells, seen = [], set()
    for values in itertools.product(*axes.values()):
        params = dict(zip(axes, values))
        cid = cell_id(params)
        if cid in seen:
            raise ConfigError(f"matrix: two cells would share the id {cid!r}; make the values differ")
        seen.add(cid)
        data = {**base, "mitigations": config.mitigations[params["mitigation"]]}
        for key, value in params.items():
            if key != "mitigation":
                _set(data, key, value)
        data["name"] = f"{config.name}.{cid}"
        data["output_dir"] = str(out_dir / "cells" / cid / "train")
        if config.evals.every:
            data["checkpoint_every"] = config.evals.every
        try:
            train = from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"cell {cid}: {exc}") from None
        cells.append(Cell(id=cid, params=params, train=train))
    return cells


def load(path: str | Path, overrides: list[str] = ()) -> tuple[ExperimentConfig, list[Cell]]:
    """Load, validate and expand an experiment file; every error names its field."""
    from rhlab.train.config import parse_overrides

    path = Path(path)
    data = read_mapping(path)
    for key, value in parse_overrides(list(overrides)):
        _set(data, key, value)
    return validate(data, path.parent)


def validate(data: dict, root: Path = Path(".")) -> tuple[ExperimentConfig, list[Cell]]:
    try:
        config = ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(exc)) from None
    judge = config.evals.judge
    local = judge.startswith(("/", ".", "~")) or "/" not in judge
    problem = model_problem(judge) if local else None  # else an Inspect model string
    if problem:
        raise ConfigError(f"invalid config:\n  evals.judge: {problem}")
    return config, expand_cells(config, root)
