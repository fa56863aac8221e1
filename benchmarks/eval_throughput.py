"""Eval generation throughput: Inspect's batched local generation vs one sample at a time.

Same model, same prompts (the betley questions with the reason-first system prompt), same
max_tokens; only the batch size (Inspect ``max_connections``, which the hf provider uses as its
batch) differs. Scoring is off: this measures the generation path of the eval suite.

    python benchmarks/eval_throughput.py --json [--model smollm2-135m] [--samples 16] [--batch 16]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset
from inspect_ai.model import GenerateConfig, Model, get_model
from inspect_ai.solver import generate

from rhlab.evals import questions
from rhlab.evals.model_ref import inspect_model
from rhlab.evals.suite import _chat_samples


def _task(n: int, max_tokens: int) -> Task:
    samples = _chat_samples(questions.load_betley(), "betley", 1)[:n]
    return Task(dataset=MemoryDataset(samples), solver=generate(), scorer=None,
                config=GenerateConfig(max_tokens=max_tokens, temperature=0.0), name="throughput")


def _timed(model: Model, n: int, batch: int, max_tokens: int, log_dir: str) -> float:
    start = time.monotonic()
    logs = inspect_eval(_task(n, max_tokens), model=model, max_connections=batch, log_dir=log_dir,
                        display="none", score_display=False)
    if logs[0].status != "success":
        raise SystemExit(f"eval failed: {logs[0].error.message if logs[0].error else logs[0].status}")
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    model = get_model(inspect_model(args.model), do_sample=False)  # greedy: same work both ways
    with tempfile.TemporaryDirectory() as logs:
        _timed(model, 2, 2, 4, logs)  # load the model once
        batched = _timed(model, args.samples, args.batch, args.max_tokens, logs)
        sequential = _timed(model, args.samples, 1, args.max_tokens, logs)
    out = {"model": args.model, "samples": args.samples, "batch": args.batch,
           "batched_samples_per_s": round(args.samples / batched, 3),
           "sequential_samples_per_s": round(args.samples / sequential, 3),
           "speedup": round(sequential / batched, 2)}
    print(json.dumps(out) if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
