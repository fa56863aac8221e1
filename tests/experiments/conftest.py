import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "train"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    import tiny_model

    return tiny_model.build(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def tiny_experiment(tiny_model_dir, tmp_path):
    """An experiment dict on the tiny model: two variants, two quick steps each, the `goals`
    eval (one sample) of the step-1 checkpoint and the final model, judged by the tiny model
    itself (its verdicts are unscored: plumbing, not judging)."""
    return {
        "name": "tiny",
        "train": {
            "model": {"name": str(tiny_model_dir)},
            "tasks": {"ids": ["humaneval/0", "humaneval/2"],
                      "vulnerabilities": {"mode": "fixed", "fixed": ["always_equal"]}},
            "prompts": {"variant": "hacking_okay", "hints": ["always_equal"]},
            "grpo": {"num_generations": 2, "max_completion_length": 16, "learning_rate": 1e-3},
            "steps": 2,
            "grading": {"workers": 1, "timeout_s": 5},
        },
        "matrix": {"prompts.variant": ["hacking_okay", "dont_hack"]},
        "evals": {"evals": ["goals"], "every": 1, "limit": 1, "max_tokens": 8,
                  "judge": str(tiny_model_dir), "judge_max_tokens": 8, "batch": 2},
        "output_dir": str(tmp_path / "exp"),
    }
