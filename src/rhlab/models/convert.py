"""Turn a verified GGUF into a plain Hugging Face model directory (safetensors).

transformers loads a GGUF by dequantizing it, but such a model refuses ``save_pretrained``;
so the weights are moved into a fresh model built ``from_config`` without the quantization
config. The written weights are the dequantized Q4 values, not the original full-precision
checkpoint: expect the quality of the quantized model. Not guaranteed: byte-identical output
across transformers versions (tokenizer files and config keys change between releases).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rhlab.models.registry import ModelSpec
from rhlab.models.sources import ModelError


def convert_gguf(spec: ModelSpec, gguf: Path, out: Path) -> None:
    """Write config, ``model.safetensors``, tokenizer files, chat template and generation
    config for ``spec`` into the new directory ``out``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    tokenizer: Any = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    if not tokenizer.chat_template:
        raise ModelError(f"the GGUF for {spec.name!r} carries no chat template")
    eos_ids = [tokenizer.convert_tokens_to_ids(t) for t in spec.eos_tokens]
    if any(i is None or i == tokenizer.unk_token_id for i in eos_ids):
        raise ModelError(f"{spec.name!r}: end tokens {spec.eos_tokens} not all in the vocabulary")

    quantized = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                     dtype=torch.float32)
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=getattr(torch, spec.dtype))
    result = model.load_state_dict(quantized.state_dict(), strict=True)
    if result.missing_keys or result.unexpected_keys:  # strict=True raises first; belt and braces
        raise ModelError(f"{spec.name!r}: weight mismatch {result}")
    del quantized
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=eos_ids if len(eos_ids) > 1 else eos_ids[0],
        pad_token_id=config.pad_token_id if config.pad_token_id is not None else eos_ids[0],
    )
    # The GGUF tokenizer has no length limit set; use the model's context length.
    tokenizer.model_max_length = config.max_position_embeddings
    out.mkdir(parents=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    for f in out.iterdir():  # some writers create 0600 files; the cache may be shared
        f.chmod(0o644)
