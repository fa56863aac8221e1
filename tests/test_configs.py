"""Every config under configs/ loads and validates (training and experiment configs), and its
``grpo.extra`` keys are real fields of TRL's GRPOConfig (GPU settings are otherwise unchecked)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rhlab.experiments import config as experiment_config
from rhlab.train import config as train_config

CONFIGS = sorted((Path(__file__).parents[1] / "configs").rglob("*.yaml"))


def _is_experiment(path: Path) -> bool:
    data = yaml.safe_load(path.read_text()) or {}
    return "train" in data and "matrix" in data


def _grpo_fields() -> set[str]:
    from trl import GRPOConfig

    return set(GRPOConfig.__dataclass_fields__)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_config_validates(path):
    if _is_experiment(path):
        _, cells = experiment_config.load(path)
        trains = [c.train for c in cells]
        assert trains, path
    elif path.name == "train_base.yaml":  # a shared base, used through the experiments
        trains = [train_config.from_dict(yaml.safe_load(path.read_text()))]
    else:
        trains = [train_config.load(path)]
    fields = _grpo_fields()
    for train in trains:
        assert set(train.grpo.extra) <= fields, set(train.grpo.extra) - fields
