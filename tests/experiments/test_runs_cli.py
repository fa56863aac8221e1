"""``rhlab runs list|show|export|sync`` over a synthetic experiment, and their errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import factory
from rhlab.cli import app


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    factory.build_experiment(root / "experiments" / "synthetic", None, missing=True, failed=True)
    return root


def _json(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_list_show_export(root, tmp_path):
    runner = CliRunner()
    listed = _json(runner.invoke(app, ["runs", "list", "--root", str(root), "--json"]))
    assert listed == [{"id": "synthetic", "dir": str(root / "experiments" / "synthetic"), "cells": 4,
                       "done": 2, "failed": 1, "pending": 1}]
    shown = _json(runner.invoke(app, ["runs", "show", "synthetic", "--root", str(root), "--json"]))
    cells = {c["cell_id"]: c for c in shown["cells"]}
    okay = cells[factory.cell_ids()["okay_none"]]
    assert okay["status"] == "done" and okay["steps_done"] == factory.STEPS and okay["onset_step"] == 3
    assert okay["final_hack_rate"] == 1.0 and okay["final_mgs"] is None  # no evals in this one
    out = _json(runner.invoke(app, ["runs", "export", str(root / "experiments" / "synthetic"),
                                    "--format", "parquet", "--out", str(tmp_path / "pq")]))
    assert len(out["files"]) == 8 and all(f.endswith(".parquet") for f in out["files"])
    table = runner.invoke(app, ["runs", "show", "synthetic", "--root", str(root)])
    assert table.exit_code == 0 and "failed" in table.stdout


@pytest.mark.parametrize("args, message", [
    (["runs", "show", "nope"], "no experiment 'nope'"),
    (["runs", "export", "synthetic", "--format", "xlsx"], "csv or parquet"),
    (["experiment", "run", "/no/such.yaml"], "cannot read"),
])
def test_errors_are_one_line(root, args, message):
    result = CliRunner().invoke(app, [*args, *(["--root", str(root)] if args[0] == "runs" else [])])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
