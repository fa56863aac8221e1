"""The ``rhlab report EXP_DIR [--out DIR]`` command (mounted by ``rhlab.cli``): write the
experiment's static HTML report and print the path of its ``index.html``.

Errors (not an experiment directory, a store locked by a running sync, an unreadable file) are
one line on stderr with exit code 2, never a traceback.

Not guaranteed: importing this module is cheap, running the command imports pandas, DuckDB,
matplotlib and Inspect (to read the eval logs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

console = Console(stderr=True)


def report(exp_dir: Path = typer.Argument(..., help="The experiment directory (holds experiment.json)."),
           out: Optional[Path] = typer.Option(None, "--out", help="Where to write the report (default: EXP_DIR/report).")) -> None:
    """Write the experiment's static HTML report (open index.html from disk, no server needed)."""
    from rhlab.experiments.store import StoreError
    from rhlab.report.build import ReportError, write_report

    try:
        index = write_report(exp_dir, out)
    except (ReportError, StoreError, OSError) as exc:
        message = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)  # one line, never wrapped
        raise typer.Exit(2)
    typer.echo(str(index))
