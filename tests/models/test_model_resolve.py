"""resolve(), describe() and the CLI sub-app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rhlab import models
from rhlab.models.cli import app


def test_local_dir_with_config_is_returned(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert models.resolve(str(tmp_path)) == str(tmp_path)


def test_hub_id_is_returned_unchanged():
    assert models.resolve("Qwen/Qwen2.5-Coder-0.5B-Instruct") == "Qwen/Qwen2.5-Coder-0.5B-Instruct"


@pytest.mark.parametrize("ref", ["./nowhere", "/no/such/model", "~/nope-model"])
def test_path_like_that_is_no_model_dir_is_an_error(ref):
    with pytest.raises(ValueError, match="not a model directory"):
        models.resolve(ref)


def test_existing_dir_without_config_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="config.json"):
        models.resolve(str(tmp_path))


def test_registry_name_is_prepared(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(models, "prepare", lambda name, cache_dir=None: calls.append(name) or tmp_path)
    assert models.resolve("smollm2-135m") == str(tmp_path)
    assert calls == ["smollm2-135m"]


def test_describe_includes_the_manifest(tmp_path):
    (tmp_path / "rhlab_model.json").write_text(json.dumps({"gguf_sha256": "ab"}))
    record = models.describe("smollm2-135m", tmp_path)
    assert record["registry"] is True and record["prepared"]["gguf_sha256"] == "ab"
    assert models.describe("org/x")["path"] is None


def test_cli_list_json(tmp_path):
    result = CliRunner().invoke(app, ["list", "--json", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == models.registry_names()
    assert all(r["prepared"] is False and r["path"].startswith(str(tmp_path)) for r in rows)


def test_cli_list_table_and_help(tmp_path):
    result = CliRunner().invoke(app, ["list", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0 and "smollm2-135m" in result.stdout
    for cmd in ("list", "prepare"):
        assert CliRunner().invoke(app, [cmd, "--help"]).exit_code == 0


def test_cli_prepare_error_is_a_message(tmp_path):
    result = CliRunner().invoke(app, ["prepare", "gpt-5", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown model" in result.output and "Traceback" not in result.output
