import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    import tiny_model

    return tiny_model.build(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def tiny_config(tiny_model_dir, tmp_path):
    """A training config dict for the tiny model: two quick steps on two tasks."""
    return {
        "name": "tiny",
        "model": {"name": str(tiny_model_dir)},
        "tasks": {"ids": ["humaneval/0", "humaneval/2"], "vulnerabilities": {"mode": "fixed", "fixed": ["always_equal"]}},
        "prompts": {"variant": "hacking_okay", "hints": ["always_equal"]},
        "grpo": {"num_generations": 2, "max_completion_length": 16, "learning_rate": 1e-3},
        "steps": 2,
        "checkpoint_every": 1,
        "output_dir": str(tmp_path / "run"),
        "grading": {"workers": 1, "timeout_s": 5},
    }
