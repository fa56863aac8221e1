"""Fake GGUF sources: tiny byte chunks served through a monkeypatched package lookup."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rhlab.models import sources
from rhlab.models.registry import REGISTRY, ModelSpec, SourcePart


@pytest.fixture
def fake_parts(monkeypatch, tmp_path):
    """Serve every SourcePart from small files under tmp_path; returns {module: path}."""
    served: dict[str, Path] = {}

    def serve(spec: ModelSpec, chunks: list[bytes]) -> None:
        for part, data in zip(spec.parts, chunks, strict=True):
            path = tmp_path / "site" / part.module / "part.bin"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            served[part.module] = path

    def part_path(part: SourcePart) -> Path:
        if part.module not in served:
            raise ModuleNotFoundError(part.module)
        return served[part.module]

    monkeypatch.setattr(sources, "part_path", part_path)
    return serve


@pytest.fixture
def fake_spec(monkeypatch):
    """Register a two-part model 'fake-2p' whose chunks are b'GGUF' + b'-tiny'."""
    chunks = [b"GGUF", b"-tiny"]
    spec = ModelSpec(
        name="fake-2p", description="test model", upstream="none/none", license="MIT",
        params="0", quant="Q0", dtype="float32", eos_tokens=("</s>",), chat_template_notes="",
        parts=(SourcePart("fake-a", "fake_a", "1.0"), SourcePart("fake-b", "fake_b", "1.0")),
        gguf_sha256=hashlib.sha256(b"".join(chunks)).hexdigest(), gguf_bytes=9,
    )
    monkeypatch.setitem(REGISTRY, spec.name, spec)
    return spec, chunks


@pytest.fixture
def fake_convert(monkeypatch):
    """Replace the torch conversion by one that writes config.json and records its calls."""
    from rhlab.models import convert

    calls: list[bytes] = []

    def convert_gguf(spec, gguf: Path, out: Path) -> None:
        calls.append(gguf.read_bytes())
        out.mkdir(parents=True)
        (out / "config.json").write_text("{}")

    monkeypatch.setattr(convert, "convert_gguf", convert_gguf)
    monkeypatch.setattr(sources, "check_dependencies", lambda: None)
    return calls
