"""Where a GRPO step's time goes: generation, grading (sandbox + detector), optimisation.

Runs a few steps of a training config (or of an experiment config's first cell; default: the
quickstart's) into a temporary directory and prints the totals:

    python benchmarks/train_step.py --json [--config configs/quickstart.yaml] [--steps 3]

Target: grading under 5% of the step time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from rhlab.experiments import config as experiment_config
from rhlab.train.config import from_dict, read_mapping
from rhlab.train.loop import train
from rhlab.train.runlog import STEPS, RunLog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(Path(__file__).parents[1] / "configs/quickstart.yaml"))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rhlab-bench-") as tmp:
        overrides = [f"steps={args.steps}", f"output_dir={tmp}/run", f"checkpoint_every={args.steps + 1}"]
        data = read_mapping(args.config)
        if "matrix" in data:  # an experiment: its first cell's training config
            first = experiment_config.validate(data, Path(args.config).parent)[1][0].train
            data = first.model_dump(mode="json")
        config = from_dict(data, overrides)
        run_dir = train(config, progress=False)
        rows = RunLog(run_dir).rows(STEPS)
    totals = {k: round(sum(r[f"{k}_s"] for r in rows), 3)
              for k in ("generation", "grading", "optimizer", "step")}
    out = {"steps": len(rows), "generation_s": totals["generation"], "grading_s": totals["grading"],
           "optimizer_s": totals["optimizer"], "step_s": totals["step"],
           "grading_share": round(totals["grading"] / totals["step"], 4) if totals["step"] else None}
    print(json.dumps(out) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
