"""Training configuration: one pydantic model, loaded from YAML with ``a.b=value`` overrides and
validated at load time; every error names its field.

Not guaranteed: a hub model id (``org/name``) is only checked for its form, not for existence
(that needs network); GPU-only settings in ``grpo.extra`` are passed to TRL unchecked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rhlab.types import VULNERABILITIES, Vulnerability


class ConfigError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelConfig(_Strict):
    name: str = "qwen2.5-coder-0.5b"
    """A prepared offline model (``rhlab models list``), a local HF model directory, or a hub id."""
    dtype: Literal["float32", "bfloat16", "float16", "auto"] = "float32"


class VulnAssignment(_Strict):
    mode: Literal["fixed", "random", "all"] = "fixed"
    """fixed: every task gets ``fixed``; random: each task one hole drawn from ``mix`` (seeded);
    all: every task gets all three holes."""
    fixed: list[Vulnerability] = ["always_equal"]
    mix: list[Vulnerability] = list(VULNERABILITIES)


class TasksConfig(_Strict):
    sources: list[Literal["humaneval", "leetcode"]] = ["humaneval"]
    ids: list[str] | None = None
    """Explicit task ids (override ``sources`` and ``sample``)."""
    sample: int | None = Field(None, ge=1)
    """Draw this many tasks (seeded) from the sources."""
    vulnerabilities: VulnAssignment = VulnAssignment()


class PromptsConfig(_Strict):
    variant: str = "neutral"
    hints: list[Vulnerability] = []
    """Hacks described in the system prompt (the prompted setting)."""
    library_files: list[str] = []
    system_id: str = "system.coding.v1"
    user_id: str = "user.task.v1"
    placement: Literal["system", "user"] = "system"
    """Where the hints and the variant line go: the system prompt (the study's setting), or
    after the task in the user turn (small models follow the user turn far more closely)."""


class LoraSettings(_Strict):
    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.0, ge=0, le=1)
    target_modules: str | list[str] = "all-linear"


class GRPOSettings(_Strict):
    num_generations: int = Field(8, ge=2)
    prompts_per_step: int = Field(1, ge=1)
    max_completion_length: int = Field(128, ge=8)
    learning_rate: float = Field(1e-5, gt=0)
    beta: float = Field(0.0, ge=0)
    temperature: float = Field(1.0, gt=0)
    lora: LoraSettings | None = LoraSettings()
    """LoRA adapter settings; ``null`` trains all weights."""
    extra: dict[str, Any] = {}
    """Passed to TRL's GRPOConfig unchanged (e.g. use_vllm, bf16, gradient_checkpointing)."""


class HackPenalty(_Strict):
    penalty: float = Field(1.0, ge=0)
    trigger: Literal["successful", "attempted"] = "successful"
    """Penalize successful hacks only, or every attempt the detector sees."""
    start_step: int = Field(0, ge=0)
    """First step (0-based count of finished steps) at which the penalty applies."""


class PreferenceReward(_Strict):
    weight: float = Field(0.1, ge=0)
    kind: Literal["classifier", "judge"] = "classifier"
    model: str
    """classifier: an HF sequence-classification model path; judge: a local model name/path, or
    the model name on ``base_url`` (an OpenAI-compatible endpoint)."""
    base_url: str | None = None
    judge_prompt_id: str = "preference.helpful_honest.v1"


class Mitigations(_Strict):
    hack_penalty: HackPenalty | None = None
    preference_reward: PreferenceReward | None = None


class GradingSettings(_Strict):
    workers: int | None = Field(None, ge=1)
    timeout_s: float = Field(10.0, gt=0)


class TrainConfig(_Strict):
    name: str = "run"
    model: ModelConfig = ModelConfig()
    tasks: TasksConfig = TasksConfig()
    prompts: PromptsConfig = PromptsConfig()
    grpo: GRPOSettings = GRPOSettings()
    mitigations: Mitigations = Mitigations()
    grading: GradingSettings = GradingSettings()
    steps: int = Field(20, ge=1)
    seed: int = 0
    checkpoint_every: int = Field(10, ge=1)
    output_dir: str = "runs/{name}"
    device: Literal["cpu", "auto"] = "cpu"
    """cpu: TRL's use_cpu with float32 math; auto: whatever accelerate finds (GPU settings pass through)."""
    torch_threads: int | None = Field(1, ge=1)
    report_to: list[str] = ["none"]

    @model_validator(mode="after")
    def _variant_known(self) -> "TrainConfig":
        from rhlab.prompts import PromptError, PromptLibrary

        try:
            PromptLibrary.load(self.prompts.library_files).variant(self.prompts.variant)
        except PromptError as exc:
            raise ValueError(f"prompts.variant: {exc}") from None
        return self

    def run_dir(self) -> Path:
        return Path(self.output_dir.replace("{name}", self.name))


def _set(data: dict, dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = value


def parse_overrides(items: list[str]) -> list[tuple[str, Any]]:
    out = []
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][\w.]*", key):
            raise ConfigError(f"override {item!r} is not of the form key.sub=value")
        try:
            out.append((key, yaml.safe_load(raw) if raw != "" else ""))
        except yaml.YAMLError:
            out.append((key, raw))
    return out


def _format(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(config)"
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{field}: {message}")
    return "invalid config:\n  " + "\n  ".join(lines)


def from_dict(data: dict, overrides: list[str] = ()) -> TrainConfig:
    data = dict(data)
    for key, value in parse_overrides(list(overrides)):
        _set(data, key, value)
    try:
        config = TrainConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format(exc)) from None
    check_references(config)
    return config


def read_mapping(path: str | Path, field: str = "") -> dict:
    """A YAML file holding a mapping; ``field`` prefixes the error (the config field naming it)."""
    where = f"{field}: " if field else ""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"{where}cannot read config {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}{path}: expected a mapping at the top level")
    return data


def load(path: str | Path, overrides: list[str] = ()) -> TrainConfig:
    return from_dict(read_mapping(path), overrides)


def check_references(config: TrainConfig) -> None:
    """Things pydantic cannot see: task ids exist, the model can be found."""
    from rhlab.tasks import UnknownTask, get_task

    for n, task_id in enumerate(config.tasks.ids or []):
        try:
            get_task(task_id)
        except UnknownTask:
            raise ConfigError(f"invalid config:\n  tasks.ids.{n}: unknown task id {task_id!r}") from None
    problem = model_problem(config.model.name)
    if problem:
        raise ConfigError(f"invalid config:\n  model.name: {problem}")


def model_problem(name: str) -> str | None:
    from rhlab.models import registry_names

    if name in registry_names():
        return None
    path = Path(name).expanduser()
    if path.is_dir():
        return None if (path / "config.json").exists() else f"{name} has no config.json"
    if name.startswith(("/", ".", "~")):
        return f"model {name!r} not found (a prepared name, a local HF directory or a hub id)"
    if re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        return None  # a hub id (Qwen/Qwen2.5-Coder-7B-Instruct): needs network at load time
    return (f"unknown model {name!r}; use one of {', '.join(registry_names())}, "
            "a local HF model directory or a hub id org/name")
