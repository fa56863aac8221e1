"""Experiment configs: validation before any training, cell expansion and ids."""

from __future__ import annotations

import pytest
import yaml

from rhlab.experiments.config import cell_id, load, validate
from rhlab.train.config import ConfigError


def test_cells_are_the_product_of_the_matrix_and_mitigations(tiny_experiment):
    data = {**tiny_experiment, "matrix": {"prompts.variant": ["hacking_okay", "dont_hack"], "seed": [0, 1]},
            "mitigations": {"none": {}, "penalty": {"hack_penalty": {"penalty": 2.0}}}}
    config, cells = validate(data)
    assert len(cells) == 8
    ids = [c.id for c in cells]
    assert ids[0] == "hacking_okay__seed-0__none" and "dont_hack__seed-1__penalty" in ids
    penalty = next(c for c in cells if c.id == "dont_hack__seed-1__penalty")
    assert penalty.train.prompts.variant == "dont_hack" and penalty.train.seed == 1
    assert penalty.train.mitigations.hack_penalty.penalty == 2.0
    assert penalty.train.output_dir.endswith("cells/dont_hack__seed-1__penalty/train")
    assert all(c.train.checkpoint_every == 1 for c in cells)  # evals.every needs the checkpoints
    assert penalty.params == {"prompts.variant": "dont_hack", "seed": 1, "mitigation": "penalty"}


def test_train_file_is_relative_to_the_experiment_file(tmp_path, tiny_experiment):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(tiny_experiment["train"]))
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump({**tiny_experiment, "train": "base.yaml"}))
    config, cells = load(tmp_path / "exp.yaml", ["evals.limit=3", "overrides={steps: 3}"])
    assert config.evals.limit == 3 and cells[0].train.steps == 3


@pytest.mark.parametrize("change, field", [
    ({"matrix": {"prompts.variant": ["hacking_okay", "no_such_variant"]}}, "prompts.variant"),
    ({"evals": {"evals": ["betley", "no_such_eval"]}}, "evals.evals"),
    ({"evals": {"judge": "no-such-judge"}}, "evals.judge"),
    ({"train": {"model": {"name": "/no/such/model"}}}, "model.name"),
    ({"matrix": {"tasks.ids": [["humaneval/0"], ["humaneval/99999"]]}}, "tasks.ids"),
    ({"bogus": 1}, "bogus"),
    ({"matrix": {"grpo.learning_rate": ["fast"]}}, "grpo.learning_rate"),
    ({"mitigations": {"none": {}, "p": {"hack_penalty": {"penalty": -1}}}}, "hack_penalty.penalty"),
    ({"mitigations": {"none": {}, "p": {"no_such_mitigation": {}}}}, "no_such_mitigation"),
    ({"matrix": {"mitigations.hack_penalty": [None]}}, "matrix"),
])
def test_bad_configs_fail_before_training_naming_the_field(tiny_experiment, change, field):
    data = {**tiny_experiment, **change}
    if "train" in change:
        data["train"] = {**tiny_experiment["train"], **change["train"]}
    with pytest.raises(ConfigError) as err:
        validate(data)
    assert field in str(err.value)


def test_cell_ids_are_path_safe():
    assert cell_id({"prompts.variant": "a/b c", "seed": 3}) == "a-b-c__seed-3"
    assert cell_id({"grpo.extra": {"x": 1}}) == "extra-x-1"
