"""Model references of the eval suite -> Inspect model strings (shared by policy and judge).

A prepared offline name (``qwen2.5-coder-0.5b``) or a local HF directory (a checkpoint) becomes
``hf/<path>`` (a LoRA checkpoint, with ``adapter_config.json``, loads its base model named
there and applies the adapter: transformers does that when peft is installed); anything with a ``/`` is taken as an Inspect model string (``openai/...``,
``vllm/...``, ``openai-api/<name>/<model>``) and not checked here.
"""

from __future__ import annotations

from pathlib import Path


class ModelRefError(ValueError):
    pass


def inspect_model(name: str) -> str:
    from rhlab.models import registry_names, resolve

    if name in registry_names():
        return f"hf/{resolve(name)}"
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").exists() and not (path / "adapter_config.json").exists():
            raise ModelRefError(f"{name} is not a model directory (no config.json or "
                                "adapter_config.json there)")
        return f"hf/{path.resolve()}"
    if name.startswith(("/", ".", "~")):
        raise ModelRefError(f"{name} is not a model directory (it does not exist)")
    if "/" not in name:
        raise ModelRefError(f"unknown model {name!r}: use a prepared name ({', '.join(registry_names())}), "
                            "a model directory or an Inspect model string like openai/gpt-4o-mini")
    return name
