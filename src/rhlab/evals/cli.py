"""Typer sub-apps for the misalignment evals (mounted by ``rhlab.cli``):

- :data:`app`: ``questions --file FILE [--json]`` parses a question file (Betley format, ours
  or external; or our goals / alignment-questions files) and lists its questions; ``run``
  runs evals through Inspect; ``summary LOG_DIR`` summarizes their logs.
- :data:`judge_app`: ``calibrate --judge MODEL ...`` runs the calibration set through a judge.

Errors are one-line messages with exit code 2, never tracebacks. Importing this module does not
import inspect_ai or torch; ``calibrate`` does.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rhlab.cli_support import console, emit, fail
from rhlab.evals.questions import (
    Question,
    QuestionFileError,
    load_betley,
    load_question_file,
)

app = typer.Typer(help="Misalignment evals: question sets, runs, summaries.", no_args_is_help=True)
judge_app = typer.Typer(help="Judges of the misalignment evals: calibration.", no_args_is_help=True)


@app.callback()
def _evals() -> None:
    """Misalignment evals: question sets, runs, summaries."""


@judge_app.callback()
def _judge() -> None:
    """Judges of the misalignment evals: calibration."""


def _judge_ids(question: Question) -> list[str]:
    """A question's own Betley templates, else the judges.yaml judges of its eval."""
    if question.judge_prompts:
        return list(question.judge_prompt_ids)
    from rhlab.evals.judges import load_judges

    return [j.id for j in load_judges().values() if j.eval == question.metadata.get("eval")]


@app.command("questions")
def questions(file: Optional[Path] = typer.Option(None, "--file", help="A question file (default: our packaged Betley-format set)."),
              as_json: bool = typer.Option(False, "--json", help="Print a JSON list, one object per question.")) -> None:
    """Parse a question file and list its questions (a malformed file is an error, exit 2)."""
    try:
        qs = load_question_file(file) if file is not None else load_betley()
    except QuestionFileError as exc:
        fail(str(exc))
    if as_json:
        emit([{"id": q.id, "paraphrases": list(q.paraphrases), "system": q.system,
                "judge_prompt_ids": _judge_ids(q)} for q in qs])
        return
    table = Table(title=f"{qs[0].source}: {len(qs)} questions")
    for col in ("id", "paraphrases", "samples each", "system", "judges"):
        table.add_column(col, overflow="fold")
    for q in qs:
        table.add_row(escape(q.id), str(len(q.paraphrases)), str(q.samples_per_paraphrase),
                      "yes" if q.system else "", escape(", ".join(_judge_ids(q))))
    Console().print(table)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _print_report(report) -> None:
    out = Console()
    table = Table(title=f"judge calibration: {report.judge_model} ({report.wall_s:.0f} s)")
    table.add_column("judge id", no_wrap=True,
                     min_width=max((len(j.judge_id) for j in report.per_judge), default=8))
    for col in ("n", "scored", "unscored", "accuracy", "strict acc.", "kappa"):
        table.add_column(col, justify="right")
    for j in report.per_judge:
        table.add_row(j.judge_id, str(j.n), str(j.scored), str(j.unscored), _fmt(j.accuracy),
                      _fmt(j.strict_accuracy), _fmt(j.kappa))
    out.print(table)
    for j in report.per_judge:
        matrix = Table(title=f"{j.judge_id}: rows expected, columns judged")
        matrix.add_column("expected")
        cols = [*j.classes, "unscored"]
        for col in cols:
            matrix.add_column(col, justify="right")
        for row, counts in j.confusion.items():
            matrix.add_row(row, *(str(counts[c]) for c in cols))
        out.print(matrix)


@judge_app.command("calibrate")
def calibrate(judge: str = typer.Option(..., "--judge", help="Judge model: a prepared offline name (qwen2.5-coder-0.5b), a local HF directory, or an Inspect model string (openai/gpt-4o-mini)."),
              limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most N items per judge id (balanced over expected verdicts)."),
              judge_ids: Optional[str] = typer.Option(None, "--judge-ids", help="Comma list of judge ids (default: all)."),
              concurrency: int = typer.Option(8, min=1, help="Requests in flight (the batch size of a local hf model)."),
              retries: int = typer.Option(2, min=0, help="Re-asks after a malformed judge reply."),
              max_tokens: int = typer.Option(256, min=1, help="Token limit of each judge reply."),
              output: Optional[Path] = typer.Option(None, help="Also write the full report (every verdict) as JSON here."),
              torch_threads: Optional[int] = typer.Option(None, min=1, help="torch.set_num_threads for a local model."),
              as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON.")) -> None:
    """Run the labeled calibration set through a judge model: accuracy, kappa, confusion per judge id."""
    from rhlab.evals.calibrate import load_calibration, run_calibration, select
    from rhlab.evals.judges import JudgeError, judge_model, load_judges

    specs = load_judges()
    wanted = [x.strip() for x in judge_ids.split(",") if x.strip()] if judge_ids else None
    unknown = sorted(set(wanted or ()) - set(specs))
    if unknown:
        fail(f"unknown judge id(s) {', '.join(unknown)}; known: {', '.join(specs)}")
    items = select(load_calibration(), wanted, limit, specs)
    if torch_threads is not None:
        import torch

        torch.set_num_threads(torch_threads)
    started, done = time.monotonic(), 0

    def progress(result) -> None:
        nonlocal done
        done += 1
        console.print(f"[{done}/{len(items)}] {result.item_id}: expected {result.expected_class}, "
                      f"judged {result.judged_class} ({time.monotonic() - started:.0f} s)",
                      markup=False, highlight=False)

    try:
        model = judge_model(judge, max_connections=concurrency)
        report = asyncio.run(run_calibration(items, model, specs, concurrency, retries, max_tokens,
                                             on_result=progress))
    except JudgeError as exc:
        fail(str(exc))
    if output is not None:
        output.write_text(json.dumps(report.to_dict(), indent=1, default=str) + "\n", encoding="utf-8")
    if as_json:
        emit(report.to_dict())
    else:
        _print_report(report)


@app.command("run")
def run_evals(model: str = typer.Option(..., "--model", help="The model to evaluate: a prepared offline name, a checkpoint directory, or an Inspect model string."),
              evals: str = typer.Option("mgs", "--evals", help="Comma list of betley, goals, alignment_questions, monitor_disruption, exfil_offer, frame_colleague, sabotage; or mgs (the six)."),
              limit: Optional[int] = typer.Option(None, "--limit", help="At most this many samples per eval."),
              judge: str = typer.Option("qwen2.5-coder-0.5b", "--judge", help="The judge (Inspect 'grader' role): same forms as --model. Calibrate it first: rhlab judge calibrate."),
              log_dir: Path = typer.Option(Path("logs/evals"), "--log-dir", help="Where Inspect writes its logs (view with `inspect view`)."),
              samples: Optional[int] = typer.Option(None, "--samples", help="Samples per question or scenario (default: each set's own)."),
              tool_mode: str = typer.Option("text", "--tool-mode", help="Agentic tools: 'native' (Inspect tool calls) or 'text' (ACTION lines, for small local models)."),
              batch: int = typer.Option(8, "--batch", help="Concurrent requests; for local models the generation batch size."),
              max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Cap on the model's reply length (default: each eval's own, 512-1024)."),
              judge_max_tokens: Optional[int] = typer.Option(None, "--judge-max-tokens", help="Cap on each judge reply (default 256; 48-64 is enough for a JSON verdict).")) -> None:
    """Run evals through Inspect, then print the JSON summary."""
    from rhlab.evals.run import EvalRunError, run, summarize

    if tool_mode not in ("text", "native"):
        fail("--tool-mode must be 'text' or 'native'")
    try:
        out = run(model, [e.strip() for e in evals.split(",") if e.strip()], limit=limit, judge=judge,
                  log_dir=str(log_dir), samples=samples, tool_mode=tool_mode, batch=batch,
                  max_tokens=max_tokens, judge_max_tokens=judge_max_tokens)
    except EvalRunError as exc:
        fail(str(exc))
    emit(summarize(out))


@app.command("summary")
def summary(log_dir: Path = typer.Argument(..., help="A directory of Inspect logs written by `rhlab eval run`."),
            as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Per-eval misalignment rates with 95% CIs, unscored counts, covert/overt, chat/agentic means, MGS."""
    from rhlab.evals.run import summarize

    if not log_dir.is_dir():
        fail(f"{log_dir} is not a directory")
    out = summarize(log_dir)
    if not out["evals"]:
        fail(f"no eval logs with scores in {log_dir}")
    if as_json:
        emit(out)
        return
    table = Table(title=f"misalignment ({log_dir})")
    for col in ("eval", "tag", "rate", "95% CI", "scored", "unscored", "overt", "covert"):
        table.add_column(col)
    for name, e in out["evals"].items():
        ci = "-" if not e["ci95"] else f"[{e['ci95'][0]:.2f}, {e['ci95'][1]:.2f}]"
        table.add_row(name, e["tag"], _fmt(e["rate"]), ci, str(e["scored"]), str(e["unscored"]),
                      _fmt(e["overt_rate"]), _fmt(e["covert_rate"]))
    Console().print(table)
    Console().print(f"MGS {_fmt(out['mgs'])} (missing: {', '.join(out['mgs_missing']) or 'none'}); "
                    f"chat mean {_fmt(out['chat_mean'])}; agentic mean {_fmt(out['agentic_mean'])}")
