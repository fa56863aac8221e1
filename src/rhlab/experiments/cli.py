"""Typer sub-apps: ``rhlab experiment run`` and ``rhlab runs list|show|export|sync``.

An experiment is named by its directory, or by its name when it lies under ``--root``
(default ``runs``). Errors are one-line messages with exit code 2, never tracebacks.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rhlab.cli_support import console, emit, fail
from rhlab.experiments.layout import CELL, EXPERIMENT, read_json

app = typer.Typer(help="Experiments: a matrix of training runs with evaluations.", no_args_is_help=True)
runs_app = typer.Typer(help="The run store: list, show and export experiments.", no_args_is_help=True)


@app.callback()
def _experiment() -> None:
    """Experiments: a matrix of training runs with evaluations."""


@runs_app.callback()
def _runs() -> None:
    """The run store: list, show and export experiments."""


def find_experiments(root: Path) -> list[Path]:
    if (root / EXPERIMENT).exists():
        return [root]
    return sorted({p.parent for depth in ("*", "*/*", "*/*/*") for p in root.glob(f"{depth}/{EXPERIMENT}")})


def resolve(ident: str, root: Path) -> Path:
    path = Path(ident)
    if (path / EXPERIMENT).exists():
        return path
    matches = [p for p in find_experiments(root) if (read_json(p / EXPERIMENT) or {}).get("name") == ident]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        fail(f"several experiments are named {ident!r} under {root}: "
             f"{', '.join(map(str, matches))}; give the directory")
    fail(f"no experiment {ident!r}: not an experiment directory, and no experiment of that name "
         f"under {root}")
    raise AssertionError


def _summary_lines(exp_dir: Path) -> list[str]:
    """Per cell: the report's final successful-hack rate and final MGS."""
    from rhlab.experiments.store import Store
    from rhlab.report import frames

    with Store.open(exp_dir) as store:
        data = frames.load(store, (read_json(exp_dir / EXPERIMENT) or {}).get("name", ""))
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    lines = []
    for cid in data.cell_ids():
        cell = data.cell(cid)
        lines.append(f"{cell.get('variant')} / {cell.get('mitigation')}: successful-hack rate (last "
                     f"{frames.FINAL_STEPS} steps) {fmt(data.final_rate(cid, 'successful_hack_rate'))}, "
                     f"MGS {fmt(data.final_mgs(cid))} [{cell.get('status')}]")
    return lines


@app.command("run")
def run(config: Path = typer.Argument(..., help="An experiment YAML (configs/quickstart.yaml)."),
        overrides: Optional[list[str]] = typer.Argument(None, help="Overrides like evals.limit=2."),
        report: bool = typer.Option(True, help="Write the HTML report at the end."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON result instead of the summary lines.")) -> None:
    """Run (or resume) an experiment: every cell's training, then its evaluations; then the
    report's path and one summary line per cell (hack rate, MGS). Exit 1 if a cell failed."""
    from rhlab.experiments import config as exp_config
    from rhlab.experiments.runner import ExperimentMismatch, Runner
    from rhlab.train.config import ConfigError

    try:
        cfg, cells = exp_config.load(config, overrides or [])
    except ConfigError as exc:
        fail(str(exc))
    console.print(f"experiment [bold]{cfg.name}[/bold]: {len(cells)} cells -> {cfg.out_dir()}")
    last: dict[str, int] = {}

    def progress(cell_id: str, done: int, total: int) -> None:
        if last.get(cell_id) != done:
            last[cell_id] = done
            console.print(f"  {escape(cell_id)}: step {done}/{total}")

    runner = Runner(cfg, cells, notify=lambda m: console.print(escape(m)), progress=progress)
    start = time.monotonic()
    try:
        outcomes = runner.run()
    except ExperimentMismatch as exc:
        fail(str(exc))
    out = {"experiment_dir": str(cfg.out_dir()), "wall_s": round(time.monotonic() - start, 1),
           "cells": {o.cell_id: o.status for o in outcomes}, "summary": _summary_lines(cfg.out_dir())}
    if report:
        from rhlab.report import write_report

        out["report"] = str(write_report(cfg.out_dir(), sync=False))  # the runner just synced
    if as_json:
        emit(out)
    else:
        print(f"report: {out.get('report') or '(not written)'}  ({out['wall_s'] / 60:.1f} min)")
        print("\n".join(out["summary"]))
    if any(o.status != "done" for o in outcomes):
        raise typer.Exit(1)


@runs_app.command("list")
def runs_list(root: Path = typer.Option(Path("runs"), help="Where to look for experiments."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Experiments under ROOT with their cells' statuses."""
    rows = []
    for exp_dir in find_experiments(root) if root.is_dir() else []:
        manifest = read_json(exp_dir / EXPERIMENT) or {}
        statuses = [(read_json(exp_dir / "cells" / c["id"] / CELL) or {}).get("status", "pending")
                    for c in manifest.get("cells", [])]
        rows.append({"id": manifest.get("name"), "dir": str(exp_dir), "cells": len(statuses),
                     **{s: statuses.count(s) for s in sorted(set(statuses))}})
    if as_json:
        emit(rows)
        return
    table = Table(title=f"experiments under {root}")
    for col in ("id", "dir", "cells", "statuses"):
        table.add_column(col)
    for r in rows:
        statuses = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("id", "dir", "cells"))
        table.add_row(escape(str(r["id"])), escape(r["dir"]), str(r["cells"]), statuses)
    Console().print(table)


@runs_app.command("show")
def runs_show(ident: str = typer.Argument(..., help="Experiment directory or name."),
              root: Path = typer.Option(Path("runs"), help="Where to look for a named experiment."),
              as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """One experiment: its cells, steps done, onset step, final hack rate and MGS."""
    from rhlab.experiments.store import Store, StoreError, sync

    exp_dir = resolve(ident, root)
    try:
        sync(exp_dir)
        with Store.open(exp_dir) as store:
            cells = store.query("""
                SELECT c.cell_id, c.status, c.steps_done, c.steps_total, c.onset_step,
                  (SELECT successful_hack_rate FROM steps s WHERE s.cell_id = c.cell_id
                     ORDER BY step DESC LIMIT 1) AS final_hack_rate,
                  (SELECT hardened_pass_rate FROM steps s WHERE s.cell_id = c.cell_id
                     ORDER BY step DESC LIMIT 1) AS final_hardened_pass_rate,
                  (SELECT mgs FROM eval_summaries e WHERE e.cell_id = c.cell_id
                     ORDER BY step DESC LIMIT 1) AS final_mgs, c.error
                FROM cells c ORDER BY c.cell_id""")
    except StoreError as exc:
        fail(str(exc))
    records = json.loads(cells.to_json(orient="records"))
    if as_json:
        emit({"dir": str(exp_dir), "cells": records})
        return
    table = Table(title=str(exp_dir))
    for col in ("cell", "status", "steps", "onset", "hack rate", "hardened pass", "MGS", "error"):
        table.add_column(col, overflow="fold")
    fmt = lambda v: "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))  # noqa: E731
    for r in records:
        table.add_row(escape(r["cell_id"]), r["status"], f"{r['steps_done']}/{fmt(r['steps_total'])}",
                      fmt(r["onset_step"]), fmt(r["final_hack_rate"]), fmt(r["final_hardened_pass_rate"]),
                      fmt(r["final_mgs"]), escape((r["error"] or "").split("\n")[0][:80]))
    Console().print(table)


@runs_app.command("export")
def runs_export(ident: str = typer.Argument(..., help="Experiment directory or name."),
                fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
                out: Optional[Path] = typer.Option(None, help="Output folder (default EXP_DIR/export-FORMAT)."),
                root: Path = typer.Option(Path("runs"), help="Where to look for a named experiment.")) -> None:
    """Write every table of the store as CSV or Parquet files."""
    from rhlab.experiments.store import Store, StoreError, sync

    exp_dir = resolve(ident, root)
    if fmt not in ("csv", "parquet"):
        fail("--format must be csv or parquet")
    try:
        sync(exp_dir)
        with Store.open(exp_dir) as store:
            paths = store.export(out or exp_dir / f"export-{fmt}", fmt)
    except StoreError as exc:
        fail(str(exc))
    emit({"files": [str(p) for p in paths]})


@runs_app.command("sync")
def runs_sync(ident: str = typer.Argument(..., help="Experiment directory or name."),
              root: Path = typer.Option(Path("runs"), help="Where to look for a named experiment.")) -> None:
    """Rebuild the experiment's store from its files."""
    from rhlab.experiments.store import StoreError, sync

    try:
        path = sync(resolve(ident, root))
    except StoreError as exc:
        fail(str(exc))
    emit({"store": str(path)})
