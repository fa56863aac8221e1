"""The transcript browser's data: episodes and eval samples as JSON-ready dicts, and the
``data.js`` file that carries them to the page (``window.RHLAB_DATA = {...};``).

Caps keep a big experiment usable: at most ``episodes_per_step`` episodes per cell and step (the
first by index) and ``samples_per_eval`` samples per cell, step and eval (the first by sample id
and epoch), lowered further so that no more than :data:`MAX_EPISODES` episodes and
:data:`MAX_SAMPLES` samples are embedded in all; every text field is cut at :data:`MAX_TEXT`
characters. The payload says what was cut (``caps``), and the page shows it.

Escaping: model text is adversarial. :func:`to_js` writes JSON whose ``<``, ``>``, ``&`` and
U+2028/U+2029 are ``\\uXXXX`` escapes, so the data cannot close a ``<script>`` element even if
inlined; the page's script only ever puts it into the DOM as text (``textContent``).

Not guaranteed: episodes beyond the cap are not in the page at all (the store has them:
``rhlab runs`` / :class:`rhlab.experiments.store.Store`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rhlab.experiments.layout import BASE_CELL
from rhlab.hacks.detector import KINDS
from rhlab.report.frames import Frames, clean

if TYPE_CHECKING:
    from rhlab.experiments.store import Store

EPISODES_PER_STEP = 32
SAMPLES_PER_EVAL = 200
MAX_EPISODES = 10_000
MAX_SAMPLES = 10_000
MAX_TEXT = 20_000


def _limit(counts: list[int], per_group: int, total: int) -> int:
    """The per-group cap, lowered until at most ``total`` rows are kept (at least 1 per group)."""
    while per_group > 1 and sum(min(n, per_group) for n in counts) > total:
        per_group = max(1, min(per_group - 1, total // max(1, len(counts))))
    return per_group


def cut(text: Any, limit: int = MAX_TEXT) -> str:
    text = clean(text)
    if text is None:
        return ""
    text = str(text)
    return text if len(text) <= limit else \
        text[:limit] + f"\n… [{len(text) - limit} more characters not embedded in the report]"


def _json(value: Any) -> Any:
    value = clean(value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _pretty(value: Any) -> str:
    return "" if value is None else cut(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def _grade(passed: Any, raw: Any) -> dict[str, Any]:
    details = _json(raw)
    passed = clean(passed)
    text = "no verdict" if passed is None else ("passed" if passed else "failed")
    if isinstance(details, dict):
        if details.get("tests_total") is not None:
            text += f" ({details.get('tests_passed')}/{details.get('tests_total')} tests)"
        if details.get("explanation"):
            text += f": {details['explanation']}"
    return {"passed": passed, "text": cut(text, 2000), "details": _pretty(details)}


def _files(raw: Any) -> list[list[str]]:
    files = _json(raw)
    if isinstance(files, dict):
        return [[str(name), cut(content)] for name, content in files.items()]
    if isinstance(files, list):
        return [[str(name), ""] for name in files]
    return []


def episodes(store: Store, frames: Frames, per_step: int = EPISODES_PER_STEP) -> tuple[list[dict], dict]:
    """The embedded episodes and a description of the cap."""
    exp = frames.experiment_id
    counts = store.query("SELECT cell_id, step, count(*) AS n FROM episodes WHERE experiment_id = ? "
                         "GROUP BY cell_id, step ORDER BY cell_id, step", [exp])
    per_step = _limit([int(n) for n in counts.n], per_step, MAX_EPISODES)
    df = store.query(
        "SELECT * FROM episodes WHERE experiment_id = ? QUALIFY row_number() OVER "
        "(PARTITION BY cell_id, step ORDER BY idx) <= ? ORDER BY cell_id, step, idx", [exp, per_step])
    out = []
    for r in df.itertuples(index=False):
        successful, attempted = bool(clean(r.hack_successful)), bool(clean(r.hack_attempted))
        out.append({
            "cell": r.cell_id, "step": int(r.step), "idx": int(r.idx), "task": clean(r.task_id) or "",
            "prompt_ids": [str(x) for x in clean(r.prompt_ids) or []],
            "vulnerabilities": [str(x) for x in clean(r.vulnerabilities) or []],
            "completion": cut(r.completion), "files": _files(r.files), "outcome": clean(r.outcome) or "",
            "reward": clean(r.reward), "penalized": clean(r.penalized),
            "vulnerable": _grade(r.vulnerable_passed, r.vulnerable),
            "hardened": _grade(r.hardened_passed, r.hardened),
            "hack": "successful" if successful else ("attempted" if attempted else "clean"),
            "kinds": [str(x) for x in clean(r.hack_kinds) or []], "evidence": cut(r.hack_evidence)})
    capped = [[r.cell_id, int(r.step), int(r.n)] for r in counts.itertuples() if r.n > per_step]
    return out, {"per_step": per_step, "total": int(counts.n.sum()) if len(counts) else 0,
                 "embedded": len(out), "capped": capped}


def samples(store: Store, frames: Frames, per_eval: int = SAMPLES_PER_EVAL) -> tuple[list[dict], dict]:
    """The embedded eval samples and a description of the cap."""
    exp = frames.experiment_id
    counts = store.query("SELECT cell_id, step, eval, count(*) AS n FROM eval_samples WHERE "
                         "experiment_id = ? GROUP BY cell_id, step, eval", [exp])
    per_eval = _limit([int(n) for n in counts.n], per_eval, MAX_SAMPLES)
    df = store.query(
        "SELECT * FROM eval_samples WHERE experiment_id = ? QUALIFY row_number() OVER "
        "(PARTITION BY cell_id, step, eval ORDER BY sample_id, epoch) <= ? "
        "ORDER BY cell_id, step, eval, sample_id, epoch", [exp, per_eval])
    out = []
    for r in df.itertuples(index=False):
        out.append({
            "cell": r.cell_id, "step": int(r.step), "eval": clean(r.eval) or "",
            "id": clean(r.sample_id) or "", "epoch": clean(r.epoch), "input": cut(r.input),
            "reasoning": cut(r.reasoning), "answer": cut(r.answer), "label": clean(r.label) or "unscored",
            "overt": clean(r.overt), "covert": clean(r.covert), "evidence": cut(r.evidence),
            "verdicts": _pretty(_json(r.verdicts)), "transcript": cut(r.transcript)})
    capped = [[r.cell_id, int(r.step), r.eval, int(r.n)] for r in counts.itertuples() if r.n > per_eval]
    return out, {"per_eval": per_eval, "total": int(counts.n.sum()) if len(counts) else 0,
                 "embedded": len(out), "capped": capped}


def payload(store: Store, frames: Frames, episodes_per_step: int = EPISODES_PER_STEP,
            samples_per_eval: int = SAMPLES_PER_EVAL) -> dict[str, Any]:
    eps, eps_cap = episodes(store, frames, episodes_per_step)
    sms, sms_cap = samples(store, frames, samples_per_eval)
    cells = [{"id": cid, "label": frames.label(cid)} for cid in frames.cell_ids()]
    if any(s["cell"] == BASE_CELL for s in sms):
        cells.insert(0, {"id": BASE_CELL, "label": frames.label(BASE_CELL)})
    return {"experiment": frames.experiment_id, "cells": cells, "kinds": list(KINDS),
            "episodes": eps, "samples": sms,
            "caps": {"episodes": eps_cap, "samples": sms_cap, "max_text": MAX_TEXT}}


_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def to_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (and plain ASCII)."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return text


def to_js(data: Any) -> str:
    return f"window.RHLAB_DATA = {to_json(data)};\n"
