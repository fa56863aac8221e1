"""The ``rhlab`` command line. Every command has ``--help``; errors are messages, not tracebacks."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from rhlab.cli_support import console, emit, fail
from rhlab import tasks as task_registry
from rhlab.evals import cli as evals_cli
from rhlab.experiments import cli as experiments_cli
from rhlab.models import cli as models_cli
from rhlab.report import cli as report_cli

app = typer.Typer(help="rhlab: reward-hacking lab (hackable environments, graders, detector).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
tasks_app = typer.Typer(help="Coding tasks from the packaged sources.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Run code in the sandbox.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(models_cli.app, name="models", help="Offline models: list and prepare.")
app.add_typer(evals_cli.app, name="eval", help="Misalignment evals: question sets, runs, summaries.")
app.add_typer(evals_cli.judge_app, name="judge", help="Judges: calibration against labelled items.")
app.add_typer(experiments_cli.app, name="experiment", help="Experiments: a matrix of training runs with evaluations.")
app.add_typer(experiments_cli.runs_app, name="runs", help="The run store: list, show and export experiments.")
app.command("report")(report_cli.report)


@tasks_app.command("list")
def tasks_list(source: Optional[str] = typer.Option(None, help="humaneval or leetcode (default: all)."),
               as_json: bool = typer.Option(False, "--json", help="Print JSON."),
               skipped: bool = typer.Option(False, help="List the skipped tasks with their reasons.")) -> None:
    """List tasks (and how many of each source were skipped, and why)."""
    from rhlab.tasks.validate import validated_source

    sources = [source] if source else list(task_registry.SOURCES)
    try:
        sets = {s: validated_source(s) for s in sources}
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        emit({s: {"tasks": [{"id": t.id, "entry_point": t.entry_point, "tests": len(t.tests),
                              "reference": t.reference_solution is not None} for t in ts.tasks],
                   "skipped": [{"id": i, "reason": r} for i, r in ts.skipped]}
               for s, ts in sets.items()})
        return
    for s, ts in sets.items():
        table = Table(title=f"{s}: {len(ts.tasks)} tasks, {len(ts.skipped)} skipped")
        if skipped:
            table.add_column("skipped id")
            table.add_column("reason")
            for i, r in ts.skipped:
                table.add_row(i, r)
        else:
            table.add_column("id")
            table.add_column("entry point")
            table.add_column("tests", justify="right")
            for t in ts.tasks:
                table.add_row(t.id, t.entry_point, str(len(t.tests)))
        Console().print(table)


@tasks_app.command("show")
def tasks_show(task_id: str = typer.Argument(..., help="A task id, e.g. humaneval/0 or leetcode/two-sum."),
               as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show one task: prompt, signature, test cases, reference solution."""
    task = _task(task_id)
    if as_json:
        emit(task.to_dict())
        return
    out = Console()
    out.rule(task.id)
    out.print(task.prompt, markup=False, highlight=False)
    out.print(f"\nsignature: {task.signature}\ntests: {len(task.tests)}", markup=False)
    for i, case in enumerate(task.tests[:10]):
        out.print(f"  [{i}] args={case.args!r} -> {case.expected!r} ({case.compare})", markup=False,
                  highlight=False)
    if task.reference_solution:
        out.rule("reference solution")
        out.print(task.reference_solution, markup=False, highlight=False)


def _task(task_id: str):
    try:
        return task_registry.get_task(task_id)
    except task_registry.UnknownTask as exc:
        fail(str(exc))


@sandbox_app.command("run")
def sandbox_run(file: Path = typer.Argument(..., help="A Python file to run in the sandbox."),
                timeout: float = typer.Option(10.0, help="Wall-clock timeout in seconds."),
                as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Run one Python file in a fresh sandbox and print what happened."""
    from rhlab.sandbox import Job, run_job

    try:
        source = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    result = run_job(Job(files={"main.py": source}, mode="exec", argv=("main.py",), timeout=timeout))
    data = result.process.to_dict()
    if as_json:
        emit(data)
    else:
        for key in ("exit_code", "signal", "timed_out", "duration_s", "backend"):
            console.print(f"{key}: {data[key]}")
        sys.stdout.write(data["stdout"])
        sys.stderr.write(data["stderr"])


@app.command("grade")
def grade(task_id: Optional[str] = typer.Option(None, "--task", help="Task id."),
          vuln: str = typer.Option("all", help="always_equal, exit_code, pytest_report (comma list), all or none."),
          solution: Optional[Path] = typer.Option(None, help="File holding a model completion (text)."),
          batch: Optional[Path] = typer.Option(None, help="JSONL of {task, completion, vuln?}; one result line each."),
          timeout: float = typer.Option(10.0, help="Per-process timeout in seconds."),
          workers: Optional[int] = typer.Option(None, help="Sandbox workers (default: CPU count)."),
          as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Grade a completion through the vulnerable grader, the hardened grader and the detector."""
    from rhlab.grading import vulnerable
    from rhlab.grading.episode import EpisodeGrader, EpisodeRequest

    try:
        vulns = vulnerable.normalize(vuln)
    except ValueError as exc:
        fail(str(exc))
    if batch is not None:
        requests, errors = _read_batch(batch, vulns)
        with EpisodeGrader(workers, timeout) as grader:
            results = iter(grader.grade_many([r for r in requests if r is not None]))
        for req, err in zip(requests, errors):
            emit(next(results).summary() if req is not None else {"error": err})
        return
    if task_id is None or solution is None:
        fail("give --task and --solution, or --batch")
    task = _task(task_id)
    try:
        completion = solution.read_bytes()  # type: ignore[union-attr]
    except OSError as exc:
        fail(f"cannot read solution file {solution}: {exc.strerror}")
    with EpisodeGrader(workers or 2, timeout) as grader:
        result = grader.grade_many([EpisodeRequest(task, completion, vulns)])[0]
    if as_json:
        emit(result.summary())
    else:
        _print_episode(result)


def _read_batch(path: Path, default_vulns: tuple[str, ...]):
    from rhlab.grading import vulnerable
    from rhlab.grading.episode import EpisodeRequest

    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    requests, errors = [], []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            task = task_registry.get_task(row["task"])
            vulns = vulnerable.normalize(row["vuln"]) if "vuln" in row else default_vulns
            requests.append(EpisodeRequest(task, str(row["completion"]), vulns))
            errors.append(None)
        except (ValueError, KeyError, TypeError) as exc:
            requests.append(None)
            errors.append(f"line {n}: {exc}")
    return requests, errors


def _print_episode(result) -> None:
    out = Console()
    s = result.summary()
    out.print(f"task {s['task']}  files {s['files']}  outcome {s['outcome']}")
    for key in ("vulnerable", "hardened"):
        g = s[key]
        out.print(f"  {g['grader']:<40} passed={g['passed']}  {g['tests_passed']}/{g['tests_total']}  "
                  f"({g['explanation']})", markup=False)
    h = s["hack"]
    out.print(f"  hack: successful={h['successful']} attempted={h['attempted']} kinds={h['kinds']}")
    if h["evidence"]:
        out.print(f"  evidence: {h['evidence']}", markup=False)


@app.command("fixtures")
def fixtures(workers: Optional[int] = typer.Option(None, help="Sandbox workers (default: CPU count)."),
             as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Grade the packaged fixture corpus through every grader; print the detector's confusion matrix."""
    from rhlab.grading.fixture_report import run_fixture_report

    report = run_fixture_report(workers)
    if as_json:
        emit(report.to_dict())
    else:
        report.print(Console())
    if report.mistakes:
        raise typer.Exit(1)


@app.command("train", context_settings={"allow_extra_args": False})
def train(config: Optional[Path] = typer.Option(None, "--config", help="A training config YAML (configs/*.yaml)."),
          overrides: Optional[list[str]] = typer.Argument(None, help="Overrides like grpo.learning_rate=2e-5 steps=10."),
          resume: Optional[Path] = typer.Option(None, help="Continue the run in this directory from its last checkpoint."),
          quiet: bool = typer.Option(False, help="No per-step progress lines.")) -> None:
    """GRPO training on the hackable environments (TRL), with hack metrics every step."""
    from rhlab.train import config as train_config
    from rhlab.train.loop import RunExists
    from rhlab.train.loop import resume as resume_run
    from rhlab.train.loop import summarize
    from rhlab.train.loop import train as run_training

    try:
        if resume is not None:
            if config is not None or overrides:
                fail("--resume takes the run's own config; give no --config or overrides")
            if not (resume / "run.json").exists():
                fail(f"{resume} is not a run directory (no run.json)")
            run_dir = resume_run(resume, progress=not quiet)
        else:
            if config is None:
                fail("give --config FILE or --resume RUN_DIR")
            cfg = train_config.load(config, overrides or [])  # type: ignore[arg-type]
            run_dir = run_training(cfg, progress=not quiet)
    except (train_config.ConfigError, RunExists) as exc:
        fail(str(exc))
    emit({"run_dir": str(run_dir), **summarize(run_dir)})


@app.command("distill")
def distill(run_dir: Path = typer.Argument(..., help="A finished training run."),
            output: Path = typer.Option(..., help="Where to write the distilled model."),
            require_pass: bool = typer.Option(True, help="Keep only clean episodes that also passed."),
            epochs: float = typer.Option(1.0, help="SFT epochs."),
            learning_rate: float = typer.Option(1e-5, help="SFT learning rate.")) -> None:
    """filter_and_distill: SFT a fresh base model on the run's clean episodes."""
    from rhlab.train.distill import filter_and_distill

    if not (run_dir / "run.json").exists():
        fail(f"{run_dir} is not a run directory (no run.json)")
    try:
        final = filter_and_distill(run_dir, output, require_pass=require_pass, epochs=epochs,
                                   learning_rate=learning_rate)
    except ValueError as exc:
        fail(str(exc))
    emit({"model_dir": str(final)})


def main() -> None:
    app()


if __name__ == "__main__":
    main()
