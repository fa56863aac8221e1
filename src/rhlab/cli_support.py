"""What every ``rhlab`` command line shares: the stderr console, a one-line error with exit
code 2 (message text is never read as Rich markup), and one JSON line on stdout."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.markup import escape

console = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def emit(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")
