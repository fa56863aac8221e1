"""The static HTML report of an experiment (``rhlab report EXP_DIR``): :func:`write_report`.

Modules, in the order the report is built: ``frames`` (the store's tables for one experiment
and the shared "final" numbers), ``tables`` (cells, mitigation comparison and its rule, what is
missing), ``figures`` (matplotlib, PNG + SVG), ``browser`` (transcript data, ``data.js``),
``assets`` (``app.js``, ``style.css``), ``page`` (``index.html``), ``build``
(:func:`write_report`), ``cli`` (the typer command).

Importing this package is cheap: pandas, DuckDB and matplotlib load on first use.

Not guaranteed: the report is a snapshot; it is not updated as the experiment runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["write_report"]


def __getattr__(name: str) -> Any:
    if name == "write_report":
        from rhlab.report.build import write_report

        return write_report
    raise AttributeError(f"module 'rhlab.report' has no attribute {name!r}")
