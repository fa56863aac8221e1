import pytest
import yaml

from rhlab.train import config as cfg


def test_defaults_validate():
    c = cfg.from_dict({})
    assert c.grpo.num_generations == 8 and c.prompts.variant == "neutral"


def test_overrides_apply_with_types():
    c = cfg.from_dict({}, ["grpo.learning_rate=2e-5", "steps=3", "prompts.hints=[exit_code]"])
    assert c.grpo.learning_rate == 2e-5 and c.steps == 3 and c.prompts.hints == ["exit_code"]


@pytest.mark.parametrize("data, field", [
    ({"grpo": {"learnin_rate": 1}}, "grpo.learnin_rate"),
    ({"steps": "many"}, "steps"),
    ({"prompts": {"variant": "be_evil"}}, "prompts.variant"),
    ({"prompts": {"hints": ["teleport"]}}, "prompts.hints"),
    ({"tasks": {"ids": ["humaneval/0", "humaneval/9999"]}}, "tasks.ids.1"),
    ({"model": {"name": "/no/such/model"}}, "model.name"),
    ({"model": {"name": "no-such-model"}}, "model.name"),
    ({"tasks": {"vulnerabilities": {"mode": "fixed", "fixed": ["nope"]}}}, "tasks.vulnerabilities.fixed"),
])
def test_bad_config_names_the_field(data, field):
    with pytest.raises(cfg.ConfigError) as err:
        cfg.from_dict(data)
    assert field in str(err.value)


def test_bad_override_form():
    with pytest.raises(cfg.ConfigError):
        cfg.from_dict({}, ["steps"])


def test_load_reads_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "steps": 4}))
    assert cfg.load(path).steps == 4
    path.write_text("steps: [unclosed")
    with pytest.raises(cfg.ConfigError, match="not valid YAML"):
        cfg.load(path)
    with pytest.raises(cfg.ConfigError, match="cannot read"):
        cfg.load(tmp_path / "missing.yaml")


def test_hub_ids_are_accepted_by_form():
    assert cfg.from_dict({"model": {"name": "HuggingFaceTB/SmolLM2-135M-Instruct"}}).model.name.startswith("Hugging")


def test_shipped_configs_validate():
    from pathlib import Path

    for path in sorted(Path(__file__).parents[2].joinpath("configs").glob("train_*.yaml")):
        cfg.load(path)
