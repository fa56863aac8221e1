"""End-to-end GRPO runs on a tiny random model (plumbing, not learning)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from rhlab.train.config import from_dict
from rhlab.train.loop import last_checkpoint, train
from rhlab.train.runlog import EPISODES, STEPS, RunLog


def test_two_step_run_writes_metrics_and_checkpoints(tiny_config):
    run_dir = train(from_dict(tiny_config), progress=False)
    log = RunLog(run_dir)
    steps = log.rows(STEPS)
    assert [r["step"] for r in steps] == [1, 2]
    for key in ("mean_reward", "hardened_pass_rate", "successful_hack_rate", "attempted_hack_rate",
                "successful_always_equal_rate", "onset_step", "completion_tokens", "kl",
                "generation_s", "grading_s", "optimizer_s"):
        assert key in steps[0], key
    episodes = log.rows(EPISODES)
    assert len(episodes) == 4 and {e["step"] for e in episodes} == {1, 2}
    assert episodes[0]["prompt_ids"][-2:] == ["variant.hacking_okay.v1", "user.task.v1"]
    manifest = log.manifest()
    assert manifest["variant"] == "hacking_okay" and manifest["schema_version"] == 1
    ckpt, n = last_checkpoint(run_dir)
    assert n == 2 and (ckpt / "adapter_config.json").exists()
    from transformers import AutoModelForCausalLM

    assert AutoModelForCausalLM.from_pretrained(ckpt) is not None  # adapter checkpoint by path
    assert AutoModelForCausalLM.from_pretrained(run_dir / "final") is not None  # merged


def test_resume_after_kill_has_each_step_once(tiny_config, tmp_path):
    tiny_config = {**tiny_config, "steps": 6}
    cfg_path = tmp_path / "c.yaml"
    cfg_path.write_text(yaml.safe_dump(tiny_config))
    run_dir = Path(tiny_config["output_dir"])
    rhlab = Path(sys.executable).parent / "rhlab"
    proc = subprocess.Popen([str(rhlab), "train", "--config", str(cfg_path), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if last_checkpoint(run_dir)[1] >= 2 or proc.poll() is not None:
                break
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = [r["step"] for r in RunLog(run_dir).rows(STEPS)]
    assert 2 <= len(done) < 6, "the kill should land mid-run"
    with open(run_dir / STEPS, "a") as fh:
        fh.write('{"step": 99, "torn')  # a torn line, as a kill can leave
    out = subprocess.run([str(rhlab), "train", "--resume", str(run_dir), "--quiet"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    log = RunLog(run_dir)
    assert [r["step"] for r in log.rows(STEPS)] == [1, 2, 3, 4, 5, 6]
    per_step = {}
    for e in log.rows(EPISODES):
        per_step[e["step"]] = per_step.get(e["step"], 0) + 1
    assert per_step == {s: 2 for s in range(1, 7)}
    assert json.loads(out.stdout.strip().splitlines()[-1])["steps"] == 6


def test_filter_and_distill_makes_a_loadable_model(tiny_config, tmp_path):
    from rhlab.train.distill import clean_examples, filter_and_distill

    run_dir = train(from_dict({**tiny_config, "steps": 1}), progress=False)
    data, stats = clean_examples(run_dir, require_pass=False)
    assert stats["episodes"] == 2 and stats["kept"] == len(data) <= 2
    assert data and data[0]["prompt"][0]["role"] == "system"
    import pytest

    with pytest.raises(ValueError, match="no clean episodes"):
        filter_and_distill(run_dir, tmp_path / "d0", require_pass=True)  # nothing passed
    final = filter_and_distill(run_dir, tmp_path / "d", require_pass=False, epochs=1)
    from transformers import AutoModelForCausalLM

    assert AutoModelForCausalLM.from_pretrained(final) is not None
    assert json.loads((tmp_path / "d" / "distill.json").read_text())["kept"] == len(data)
