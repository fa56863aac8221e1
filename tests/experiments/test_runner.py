"""The experiment runner on the tiny model: a whole experiment, resume after ``kill -9`` with no
finished cell or evaluation redone, and a failing cell recorded without losing the others."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from rhlab.experiments.config import validate
from rhlab.experiments.layout import CELL, SUMMARY, read_json
from rhlab.experiments.runner import Runner
from rhlab.experiments.store import Store

RHLAB = str(Path(sys.executable).parent / "rhlab")


def _mtimes(paths: list[Path]) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in paths}


def test_resume_after_kill_redoes_nothing_finished(tiny_experiment, tmp_path):
    cfg = tmp_path / "exp.yaml"
    cfg.write_text(yaml.safe_dump(tiny_experiment))
    exp = Path(tiny_experiment["output_dir"])
    first, second = exp / "cells" / "hacking_okay__none", exp / "cells" / "dont_hack__none"
    proc = subprocess.Popen([RHLAB, "experiment", "run", str(cfg), "--no-report", "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    try:  # kill the whole process group once the second cell has started training
        while time.monotonic() < deadline and proc.poll() is None:
            if (second / "train" / "run.json").exists():
                break
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert (first / "evals" / "step-2" / SUMMARY).exists(), "the first cell should have finished"
    assert not (second / "evals" / "step-2" / SUMMARY).exists(), "the kill should land in cell 2"
    finished = [first / "train" / "steps.jsonl", first / "train" / "final" / "config.json",
                first / "evals" / "step-1" / SUMMARY, first / "evals" / "step-2" / SUMMARY]
    before = _mtimes(finished)

    out = subprocess.run([RHLAB, "experiment", "run", str(cfg), "--no-report", "--json"], capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert _mtimes(finished) == before, "a finished cell was redone"
    assert "done earlier, skipped" in out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["cells"] == {"hacking_okay__none": "done", "dont_hack__none": "done"}
    with Store.open(exp) as store:
        cells = store.cells().set_index("cell_id")
        assert list(cells["status"]) == ["done", "done"] and list(cells["steps_done"]) == [2, 2]
        steps = store.steps()
        assert steps.groupby("cell_id")["step"].apply(list).to_dict() == {
            "dont_hack__none": [1, 2], "hacking_okay__none": [1, 2]}
        assert len(store.episodes()) == 8  # 2 cells x 2 steps x 2 generations
        evals = store.eval_results()
        assert sorted(zip(evals["cell_id"], evals["step"])) == [
            ("dont_hack__none", 1), ("dont_hack__none", 2), ("hacking_okay__none", 1),
            ("hacking_okay__none", 2)]
        assert set(store.checkpoints()["kind"]) == {"checkpoint", "final"}
        assert len(store.eval_samples()) == 4


def test_a_failing_cell_is_recorded_and_the_others_finish(tiny_experiment, tmp_path):
    data = {**tiny_experiment, "matrix": {"grpo.extra": [{}, {"no_such_trl_argument": 1}]},
            "evals": {"evals": []}, "train": {**tiny_experiment["train"], "steps": 1}}
    config, cells = validate(data)
    messages: list[str] = []
    outcomes = Runner(config, cells, notify=messages.append).run()
    assert [o.status for o in outcomes] == ["done", "failed"]
    bad = read_json(config.out_dir() / "cells" / cells[1].id / CELL)
    assert bad["status"] == "failed" and "no_such_trl_argument" in bad["error"]
    assert any("FAILED" in m for m in messages)
    with Store.open(config.out_dir()) as store:
        status = dict(zip(store.cells()["cell_id"], store.cells()["status"]))
    assert status == {cells[0].id: "done", cells[1].id: "failed"}
