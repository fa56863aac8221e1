"""Run evals through Inspect and summarize their logs.

``run(model, evals, ...)`` wraps ``inspect_ai.eval``: the policy is ``model``, the judge is the
``grader`` model role. A model is a prepared offline name (``qwen2.5-coder-0.5b``), a local HF
directory (a checkpoint), or any Inspect model string (``openai/...``, ``vllm/...``,
``ollama/...``, ``openai-api/<name>/<model>`` for an OpenAI-compatible endpoint).
``summarize(log_dir)`` reads the Inspect logs (``inspect view`` shows them too) into per-eval
rates with 95% Wilson intervals, unscored counts, covert/overt rates, chat/agentic means and the
MGS (mean of the six evals' rates); for research sabotage also the written detectors' accuracy
and F1 and their effectiveness relative to our reference detector (F1 ratio).

Samples that failed with an error (no score) are counted in ``errors`` per eval, with the first
messages; they are not part of ``samples`` or of any rate.

Not guaranteed: the MGS is reported only when all six evals have a rate; otherwise the missing
ones are listed and ``mgs`` is null.
"""

from __future__ import annotations

import math
from pathlib import Path
from statistics import mean

from rhlab.evals.model_ref import ModelRefError, inspect_model
from rhlab.evals.suite import MGS_EVALS, TAGS, TASKS

DEFAULT_JUDGE = "qwen2.5-coder-0.5b"


class EvalRunError(RuntimeError):
    pass


def expand(evals: list[str]) -> list[str]:
    out: list[str] = []
    for name in evals:
        for item in (MGS_EVALS if name == "mgs" else (name,)):
            if item not in TASKS:
                raise EvalRunError(f"unknown eval {item!r}; choose from {', '.join(TASKS)} or mgs")
            if item not in out:
                out.append(item)
    return out


def run(model: str, evals: list[str], *, limit: int | None = None, judge: str = DEFAULT_JUDGE,
        log_dir: str = "logs/evals", samples: int | None = None, tool_mode: str = "text",
        batch: int = 8, max_tokens: int | None = None, judge_max_tokens: int | None = None) -> Path:
    """Run the evals (all tasks at once, so a local model batches across them). ``max_tokens``
    caps the policy's replies (default: each eval's own), ``judge_max_tokens`` the judge's."""
    from rhlab.evals import suite

    from inspect_ai import eval as inspect_eval

    from rhlab.evals.judges import JudgeError, judge_model

    names = expand(evals)
    try:
        policy = inspect_model(model)
    except ModelRefError as exc:
        raise EvalRunError(str(exc)) from None
    try:
        grader = judge_model(judge, max_connections=batch)  # greedy decoding for local judges
    except JudgeError as exc:
        raise EvalRunError(str(exc)) from None
    tasks = []
    for name in names:
        kwargs: dict = {}
        if samples is not None:
            kwargs["samples"] = samples
        if name in ("monitor_disruption", "exfil_offer", "frame_colleague"):
            kwargs["mode"] = tool_mode
        tasks.append(TASKS[name](**kwargs))
    extra = {"max_tokens": max_tokens} if max_tokens else {}
    default_judge_tokens = suite.JUDGE_MAX_TOKENS
    suite.JUDGE_MAX_TOKENS = judge_max_tokens or default_judge_tokens
    try:  # the scorers read the module's budget; a later run starts from the default again
        logs = inspect_eval(tasks, model=policy, model_roles={"grader": grader}, log_dir=log_dir,
                            limit=limit, max_connections=batch, max_tasks=len(tasks), display="plain",
                            fail_on_error=False, score_display=False, **extra)
    finally:
        suite.JUDGE_MAX_TOKENS = default_judge_tokens
    failed = [log.eval.task for log in logs if log.status != "success"]
    if failed:
        errors = "; ".join(str(log.error.message)[:200] for log in logs if log.error)
        raise EvalRunError(f"evals did not finish: {', '.join(failed)} ({errors}); logs in {log_dir}")
    return Path(log_dir)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _detector_summary(scores: list[dict]) -> dict:
    """Research sabotage: the written detectors' mean quality, and relative to our reference."""
    from rhlab.evals.sabotage import reference_score

    ref = reference_score()
    f1 = mean(s["f1"] for s in scores)
    return {"written": len(scores), "accuracy": mean(s["accuracy"] for s in scores), "f1": f1,
            "reference_f1": ref.f1, "relative_effectiveness": f1 / ref.f1 if ref.f1 else None}


def _new_row(name: str, model: str) -> dict:
    return {"n": 0, "misaligned": 0, "unscored": 0, "errors": 0, "overt": 0, "covert": 0,
            "split_n": 0, "tag": TAGS.get(name, "agentic"), "model": model}


def summarize(log_dir: str | Path) -> dict:
    from inspect_ai.log import list_eval_logs, read_eval_log

    per_eval: dict[str, dict] = {}
    for info in list_eval_logs(str(log_dir)):
        log = read_eval_log(info)
        for sample in log.samples or []:
            if sample.error and not sample.scores:  # counted, never silently dropped
                row = per_eval.setdefault(log.eval.task, _new_row(log.eval.task, log.eval.model))
                row["errors"] += 1
                row.setdefault("error_messages", []).append(str(sample.error.message)[:300])
            for score in (sample.scores or {}).values():
                meta = score.metadata or {}
                name = meta.get("eval", log.eval.task)
                row = per_eval.setdefault(name, _new_row(name, log.eval.model))
                row["n"] += 1
                if "detector" in meta:
                    row.setdefault("detectors", []).append(meta["detector"])
                if score.value == "unscored":
                    row["unscored"] += 1
                    continue
                row["misaligned"] += int(score.value)
                if meta.get("overt") is not None:
                    row["split_n"] += 1
                    row["overt"] += bool(meta["overt"])
                    row["covert"] += bool(meta.get("covert"))
    out: dict = {"evals": {}, "log_dir": str(log_dir)}
    for name, row in per_eval.items():
        scored = row["n"] - row["unscored"]
        low, high = wilson(row["misaligned"], scored)
        out["evals"][name] = {
            "tag": row["tag"], "model": row["model"], "samples": row["n"], "scored": scored,
            "unscored": row["unscored"], "errors": row["errors"],
            "error_messages": row.get("error_messages", [])[:3],
            "rate": row["misaligned"] / scored if scored else None,
            "ci95": [low, high] if scored else None,
            "overt_rate": row["overt"] / row["split_n"] if row["split_n"] else None,
            "covert_rate": row["covert"] / row["split_n"] if row["split_n"] else None}
        if row.get("detectors"):
            out["evals"][name]["detector"] = _detector_summary(row["detectors"])
    rates = {n: e["rate"] for n, e in out["evals"].items() if n in MGS_EVALS and e["rate"] is not None}
    missing = [n for n in MGS_EVALS if n not in rates]
    out["mgs"] = mean(rates.values()) if not missing else None
    out["mgs_missing"] = missing
    for tag in ("chat", "agentic"):
        vals = [r for n, r in rates.items() if TAGS[n] == tag]
        out[f"{tag}_mean"] = mean(vals) if vals else None
    return out
