"""``index.html``: the static parts of the report (header, what is missing, the tables, the
figures) rendered in Python with every value escaped, plus the empty transcript browser that
``app.js`` fills from ``data.js``.

Not guaranteed: the page does not refresh itself; rerun ``rhlab report`` after the experiment
moves on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from html import escape
from typing import Any

from rhlab.report.figures import FigureInfo
from rhlab.report.frames import Frames
from rhlab.report.tables import RULE_TEXT, MitigationRow, fmt, pct

CSP = ("default-src 'none'; script-src 'self' file:; style-src 'self' file:; img-src 'self' file:; "
       "base-uri 'none'; form-action 'none'")
"""No inline script or event handler can run; ``file:`` next to ``'self'`` because browsers differ
on whether ``'self'`` matches a page opened from disk."""


def e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def _when(ts: Any) -> str:
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(ts)))
    except (TypeError, ValueError):
        return "?"


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]], numeric: set[int] | frozenset[int] = frozenset(),
           classes: dict[int, str] | None = None) -> str:
    """Rows of already escaped cells (use :func:`e`)."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = " ".join(c for c in ("num" if i in numeric else "", (classes or {}).get(i, "")) if c)
            cells.append(f"<td class=\"{cls}\">{cell}</td>" if cls else f"<td>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _missing(lines: list[str]) -> str:
    if not lines:
        return "<p>Nothing: every cell is done and every planned evaluation has a complete summary.</p>"
    return "<ul class=\"missing\">" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>"


def _error(first: str, full: str) -> str:
    if full == first:
        return e(first)
    return f"{e(first)}<details><summary>full error</summary><pre>{e(full)}</pre></details>"


def _cells(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "<p>No cells.</p>"
    body = [[f"<code>{e(r['id'])}</code><br><span class=\"muted\">{e(r['label'])}</span>",
             e(r["params"]), f"<span class=\"status-{e(r['status'])}\">{e(r['status'])}</span>",
             _error(r["error"], r["error_full"]), e(r["steps"]), e(r["onset"]), e(r["hack"]), e(r["hardened"]), e(r["mgs"])]
            for r in rows]
    return _table(["cell", "other params", "status", "error (first line)", "steps done/total",
                   "onset step", "final successful-hack rate", "final hardened pass rate", "final MGS"],
                  body, numeric={4, 5, 6, 7})


def _verdict(text: str) -> str:
    cls = {"yes": "verdict-yes", "no": "verdict-no"}.get(text, "")
    return f"<span class=\"{cls}\">{e(text)}</span>" if cls else e(text)


def _mitigations(rows: list[MitigationRow]) -> str:
    if not rows:
        return "<p>No cells.</p>"
    body = [[e(r.variant), e(r.mitigation), e(len(r.cells)), e(pct(r.hack)), e(fmt(r.mgs)),
             _verdict(r.hacking_prevented), _verdict(r.misalignment_prevented)] for r in rows]
    return _table(["variant", "mitigation", "seeds", "final successful-hack rate", "final MGS",
                   "hacking prevented?", "misalignment prevented?"], body, numeric={2, 3, 4})


def _figures(infos: list[FigureInfo]) -> str:
    out = []
    for f in infos:
        out.append(f"<figure id=\"fig-{e(f.name)}\"><img src=\"figures/{e(f.name)}.png\" alt=\"{e(f.title)}\">"
                   f"<figcaption><b>{e(f.title)}.</b> {e(f.caption)} "
                   f"<a href=\"figures/{e(f.name)}.svg\">SVG</a></figcaption></figure>")
    return "\n".join(out)


_BROWSER = """
<h2 id="transcripts">Transcripts</h2>
<p id="browser-error" hidden></p>
<div class="tabs" role="tablist">
  <button id="tab-episodes" role="tab" type="button">Training episodes</button>
  <button id="tab-samples" role="tab" type="button">Eval samples</button>
</div>
<section id="episodes">
  <div class="filters">
    <label>cell <select id="ep-cell"></select></label>
    <label>step <select id="ep-step"></select></label>
    <label>hack kind <select id="ep-kind"></select></label>
    <label>hack outcome <select id="ep-outcome"></select></label>
  </div>
  <p class="note" id="ep-cap" hidden></p>
  <p class="count" id="ep-count"></p>
  <div id="ep-list"></div>
  <button id="ep-more" type="button" hidden>show more</button>
</section>
<section id="samples" hidden>
  <div class="filters">
    <label>cell <select id="sm-cell"></select></label>
    <label>step <select id="sm-step"></select></label>
    <label>eval <select id="sm-eval"></select></label>
    <label>label <select id="sm-label"></select></label>
  </div>
  <p class="note" id="sm-cap" hidden></p>
  <p class="count" id="sm-count"></p>
  <div id="sm-list"></div>
  <button id="sm-more" type="button" hidden>show more</button>
</section>
"""


def _eval_plan(evals: dict) -> str:
    every = evals.get("every") or 0
    plan = f"every {every} steps and the final model" if every else "the final model"
    return plan + (", and the base model" if evals.get("base") else "")


def render(frames: Frames, missing: list[str], cell_rows: list[dict[str, str]],
           mitigation_rows: list[MitigationRow], figures: list[FigureInfo], max_text: int) -> str:
    exp = frames.experiment
    name = frames.experiment_id
    evals = (frames.config.get("evals") or {})
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rhlab report: {e(name)}</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<h1>Experiment <code>{e(name)}</code></h1>
<p class="muted">{e(exp.get('dir'))} · created {e(_when(exp.get('created_at')))} · store synced
{e(_when(exp.get('synced_at')))} · {e(len(cell_rows))} cells · evals: {e(', '.join(map(str, evals.get('evals') or [])) or 'none')}
({e(_eval_plan(evals))})</p>
<p><a href="#missing">What is missing</a> · <a href="#cells">Cells</a> · <a href="#mitigations">Mitigations</a>
· <a href="#figures">Figures</a> · <a href="#transcripts">Transcripts</a></p>

<h2 id="missing">What is missing</h2>
{_missing(missing)}

<h2 id="cells">Cells</h2>
<p class="muted">Final rates: mean over the last 3 training steps. Final MGS: at the cell's last
evaluated step (– with the evals it lacks when that evaluation is incomplete). Onset: the first
step with more than 2% successful hacks.</p>
{_cells(cell_rows)}

<h2 id="mitigations">Mitigation comparison</h2>
<p class="muted">One row per variant and mitigation (means over seeds). Rule: {e(RULE_TEXT)}</p>
{_mitigations(mitigation_rows)}

<h2 id="figures">Figures</h2>
{_figures(figures)}
{_BROWSER}
<p class="muted">Texts longer than {e(max_text)} characters are cut. All model text is shown as text.</p>
<script src="data.js"></script>
<script src="app.js"></script>
</body>
</html>
"""
