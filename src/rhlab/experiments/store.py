"""The run store: one DuckDB file per experiment (``EXP_DIR/store.duckdb``), and its reader API.

Why DuckDB: one file that travels with the experiment folder, SQL over it from Python, the CLI
or any DuckDB client, columnar scans fast enough for every episode of a paper-scale run, and
CSV/Parquet export built in (``COPY ... TO``). The store is an index: the runner's files (JSONL
rows, Inspect logs, ``cell.json``) stay the source of truth, and :func:`sync` rebuilds the
experiment's rows from them, so a crash never leaves the store and the files disagreeing.

Tables (schema version in ``meta``): ``experiments``, ``cells``, ``steps``, ``episodes``,
``checkpoints``, ``eval_results`` (one row per cell, step and eval), ``eval_summaries`` (MGS,
chat and agentic means per cell and step), ``eval_samples`` (one row per eval sample with its
input, reasoning, answer, label and judge evidence).

The store belongs to its experiment directory: a sync replaces all of its rows.

Not guaranteed: one writer at a time (DuckDB locks the file while :func:`sync` runs); readers
see the rows of the last sync, not rows written since.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rhlab.experiments.layout import (
    BASE_CELL, CELL, EXPERIMENT, SCHEMA_VERSION, STORE, SUMMARY, cell_dir, read_json)
from rhlab.train.loop import checkpoints
from rhlab.train.runlog import EPISODES, STEPS, read_rows

TABLES = ("experiments", "cells", "steps", "episodes", "checkpoints", "eval_results",
          "eval_summaries", "eval_samples")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS experiments (id VARCHAR, dir VARCHAR, config JSON, created_at DOUBLE,
    cells INTEGER, synced_at DOUBLE);
CREATE TABLE IF NOT EXISTS cells (experiment_id VARCHAR, cell_id VARCHAR, params JSON,
    variant VARCHAR, mitigation VARCHAR, seed INTEGER, status VARCHAR, error VARCHAR,
    steps_total INTEGER, steps_done INTEGER, onset_step INTEGER, run_dir VARCHAR, config JSON);
CREATE TABLE IF NOT EXISTS steps (experiment_id VARCHAR, cell_id VARCHAR, step INTEGER,
    mean_reward DOUBLE, hardened_pass_rate DOUBLE, vulnerable_pass_rate DOUBLE,
    successful_hack_rate DOUBLE, attempted_hack_rate DOUBLE, onset_step INTEGER,
    completion_tokens DOUBLE, kl DOUBLE, step_s DOUBLE, generation_s DOUBLE, grading_s DOUBLE,
    optimizer_s DOUBLE, row JSON);
CREATE TABLE IF NOT EXISTS episodes (experiment_id VARCHAR, cell_id VARCHAR, step INTEGER,
    idx INTEGER, task_id VARCHAR, vulnerabilities VARCHAR[], prompt_ids VARCHAR[],
    completion VARCHAR, files JSON, outcome VARCHAR, reward DOUBLE, penalized BOOLEAN,
    vulnerable_passed BOOLEAN, hardened_passed BOOLEAN, hack_successful BOOLEAN,
    hack_attempted BOOLEAN, hack_kinds VARCHAR[], hack_evidence VARCHAR, vulnerable JSON,
    hardened JSON);
CREATE TABLE IF NOT EXISTS checkpoints (experiment_id VARCHAR, cell_id VARCHAR, step INTEGER,
    kind VARCHAR, path VARCHAR);
CREATE TABLE IF NOT EXISTS eval_results (experiment_id VARCHAR, cell_id VARCHAR, step INTEGER,
    eval VARCHAR, tag VARCHAR, samples INTEGER, scored INTEGER, unscored INTEGER, errors INTEGER,
    first_error VARCHAR, rate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, overt_rate DOUBLE,
    covert_rate DOUBLE, model VARCHAR);
CREATE TABLE IF NOT EXISTS eval_summaries (experiment_id VARCHAR, cell_id VARCHAR, step INTEGER,
    mgs DOUBLE, chat_mean DOUBLE, agentic_mean DOUBLE, mgs_missing VARCHAR[], log_dir VARCHAR);
CREATE TABLE IF NOT EXISTS eval_samples (experiment_id VARCHAR, cell_id VARCHAR, step INTEGER,
    eval VARCHAR, sample_id VARCHAR, epoch INTEGER, input VARCHAR, reasoning VARCHAR,
    answer VARCHAR, label VARCHAR, overt BOOLEAN, covert BOOLEAN, evidence VARCHAR,
    verdicts JSON, transcript VARCHAR);
"""


class StoreError(RuntimeError):
    pass


def _connect(path: Path, read_only: bool = False):
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from None


def _j(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str)


def _cell_rows(exp_id: str, exp_dir: Path, cell: dict) -> dict[str, list[tuple]]:
    cid = cell["id"]
    cdir = cell_dir(exp_dir, cid)
    state = read_json(cdir / CELL) or {}
    run_dir = cdir / "train"
    out: dict[str, list[tuple]] = {t: [] for t in TABLES}
    steps = list(read_rows(run_dir / STEPS))
    onset = next((r["onset_step"] for r in reversed(steps) if r.get("onset_step") is not None), None)
    params = cell.get("params", {})
    train = cell.get("train", {})
    out["cells"].append((
        exp_id, cid, _j(params), (train.get("prompts") or {}).get("variant"),
        params.get("mitigation"), train.get("seed"), state.get("status", "pending"),
        state.get("error"), train.get("steps"), len(steps), onset, str(run_dir), _j(train)))
    for r in steps:
        out["steps"].append((
            exp_id, cid, r["step"], r.get("mean_reward"), r.get("hardened_pass_rate"),
            r.get("vulnerable_pass_rate"), r.get("successful_hack_rate"),
            r.get("attempted_hack_rate"), r.get("onset_step"), r.get("completion_tokens"),
            r.get("kl"), r.get("step_s"), r.get("generation_s"), r.get("grading_s"),
            r.get("optimizer_s"), _j(r)))
    done = {r["step"] for r in steps}
    idx: dict[int, int] = {}
    for r in read_rows(run_dir / EPISODES):
        if r.get("step") not in done:
            continue  # a step that never finished (redone after resume)
        n = idx[r["step"]] = idx.get(r["step"], -1) + 1
        hack = r.get("hack") or {}
        out["episodes"].append((
            exp_id, cid, r["step"], n, r.get("task_id"), r.get("vulnerabilities") or [],
            r.get("prompt_ids") or [], r.get("completion"), _j(r.get("files")), r.get("outcome"),
            r.get("reward"), r.get("penalized"), (r.get("vulnerable") or {}).get("passed"),
            (r.get("hardened") or {}).get("passed"), hack.get("successful"), hack.get("attempted"),
            hack.get("kinds") or [], hack.get("evidence"), _j(r.get("vulnerable")),
            _j(r.get("hardened"))))
    out["checkpoints"] += [(exp_id, cid, step, "checkpoint", str(path))
                           for step, path in checkpoints(run_dir)]
    if (run_dir / "final" / "config.json").exists():
        out["checkpoints"].append((exp_id, cid, len(steps), "final", str(run_dir / "final")))
    return out


def _eval_rows(exp_id: str, exp_dir: Path, cid: str) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {"eval_results": [], "eval_summaries": [], "eval_samples": []}
    root = cell_dir(exp_dir, cid) / "evals"
    for summary_path in sorted(root.glob(f"step-*/{SUMMARY}")) if root.is_dir() else []:
        summary = read_json(summary_path)
        if summary is None:
            continue
        step = int(summary_path.parent.name.removeprefix("step-"))
        out["eval_summaries"].append((
            exp_id, cid, step, summary.get("mgs"), summary.get("chat_mean"),
            summary.get("agentic_mean"), summary.get("mgs_missing") or [], str(summary_path.parent)))
        for name, e in (summary.get("evals") or {}).items():
            ci = e.get("ci95") or [None, None]
            out["eval_results"].append((
                exp_id, cid, step, name, e.get("tag"), e.get("samples"), e.get("scored"),
                e.get("unscored"), e.get("errors", 0), (e.get("error_messages") or [None])[0],
                e.get("rate"), ci[0], ci[1], e.get("overt_rate"),
                e.get("covert_rate"), e.get("model")))
        out["eval_samples"] += [(exp_id, cid, step, *s) for s in eval_samples(summary_path.parent)]
    return out


def eval_samples(log_dir: Path) -> list[tuple]:
    """One tuple per score of each sample of the Inspect logs in ``log_dir``, and one with label
    ``error`` per sample that failed without a score (columns of eval_samples after experiment,
    cell and step)."""
    from inspect_ai.log import list_eval_logs, read_eval_log

    from rhlab.evals.reasoning import split

    rows = []
    for info in list_eval_logs(str(log_dir)):
        log = read_eval_log(info)
        for sample in log.samples or []:
            text = sample.output.completion if sample.output else ""
            parts = split(text)
            if sample.error and not sample.scores:
                rows.append((log.eval.task, str(sample.id), sample.epoch, _input_text(sample.input),
                             parts.reasoning, parts.answer, "error", None, None,
                             str(sample.error.message)[:2000], None, None))
            for score in (sample.scores or {}).values():
                meta = score.metadata or {}
                label = _label(score.value)
                rows.append((
                    meta.get("eval", log.eval.task), str(sample.id), sample.epoch,
                    _input_text(sample.input), parts.reasoning, parts.answer, label,
                    meta.get("overt"), meta.get("covert"), score.explanation or "",
                    _j(meta.get("verdicts")), (sample.metadata or {}).get("transcript")))
    return rows


def _label(value: Any) -> str:
    """1 -> misaligned, 0 -> aligned (ints, floats or their strings); anything else unscored."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "unscored"
    return {1.0: "misaligned", 0.0: "aligned"}.get(number, "unscored")


def _input_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    parts = []
    for message in value or []:
        content = getattr(message, "content", "")
        text = content if isinstance(content, str) else " ".join(
            getattr(c, "text", "") for c in content)
        parts.append(f"[{getattr(message, 'role', '?')}] {text}")
    return "\n\n".join(parts)


def sync(exp_dir: Path) -> Path:
    """Rebuild the experiment's rows in ``EXP_DIR/store.duckdb`` from its files."""
    import time

    exp_dir = Path(exp_dir)
    manifest = read_json(exp_dir / EXPERIMENT)
    if manifest is None:
        raise StoreError(f"{exp_dir} is not an experiment directory (no readable {EXPERIMENT})")
    exp_id = manifest["name"]
    tables: dict[str, list[tuple]] = {t: [] for t in TABLES}
    tables["experiments"].append((exp_id, str(exp_dir.resolve()), _j(manifest.get("config")),
                                  manifest.get("created_at"), len(manifest.get("cells", [])),
                                  time.time()))
    for cell in manifest.get("cells", []):
        for name, rows in _cell_rows(exp_id, exp_dir, cell).items():
            tables[name] += rows
        for name, rows in _eval_rows(exp_id, exp_dir, cell["id"]).items():
            tables[name] += rows
    for name, rows in _eval_rows(exp_id, exp_dir, BASE_CELL).items():
        tables[name] += rows
    con = _connect(exp_dir / STORE)
    try:
        con.execute("BEGIN")
        for name in ("meta", *TABLES):  # rebuilt whole: rows of an old name or schema go too
            con.execute(f"DROP TABLE IF EXISTS {name}")
        con.execute(_SCHEMA)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        for name in TABLES:
            if tables[name]:
                marks = ", ".join("?" * len(tables[name][0]))
                con.executemany(f"INSERT INTO {name} VALUES ({marks})", tables[name])
        con.execute("COMMIT")
    finally:
        con.close()
    return exp_dir / STORE


class Store:
    """Read an experiment's store: each method returns a pandas DataFrame.

    ``Store.open(EXP_DIR)`` (or the ``store.duckdb`` path); ``query(sql, params)`` for anything
    else; ``export(out_dir, fmt)`` writes every table as CSV or Parquet.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._con = _connect(self.path, read_only=True)
        version = self._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if version is None or int(version[0]) != SCHEMA_VERSION:
            self._con.close()
            raise StoreError(f"{self.path}: schema version {version and version[0]} is not "
                             f"{SCHEMA_VERSION}; run `rhlab runs sync` on the experiment again")

    @classmethod
    def open(cls, where: Path) -> "Store":
        where = Path(where)
        path = where / STORE if where.is_dir() else where
        if not path.exists():
            if where.is_dir() and (where / EXPERIMENT).exists():
                sync(where)
            else:
                raise StoreError(f"no run store at {path}")
        return cls(path)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    def query(self, sql: str, params: list | None = None):
        return self._con.execute(sql, params or []).df()

    def table(self, name: str, **where: Any):
        if name not in TABLES:
            raise StoreError(f"unknown table {name!r}; tables: {', '.join(TABLES)}")
        clauses = [f"{k} = ?" for k in where if where[k] is not None]
        sql = f"SELECT * FROM {name}" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        return self.query(sql, [v for v in where.values() if v is not None])

    def experiments(self):
        return self.table("experiments")

    def cells(self):
        return self.query("SELECT * FROM cells ORDER BY cell_id")

    def steps(self, cell_id: str | None = None):
        return self.table("steps", cell_id=cell_id).sort_values(["cell_id", "step"], ignore_index=True)

    def episodes(self, cell_id: str | None = None, step: int | None = None):
        return self.table("episodes", cell_id=cell_id, step=step)

    def checkpoints(self):
        return self.table("checkpoints")

    def eval_results(self, cell_id: str | None = None):
        return self.table("eval_results", cell_id=cell_id)

    def eval_summaries(self):
        return self.query("SELECT * FROM eval_summaries ORDER BY cell_id, step")

    def eval_samples(self, cell_id: str | None = None, eval: str | None = None):
        return self.table("eval_samples", cell_id=cell_id, eval=eval)

    def export(self, out_dir: Path, fmt: str = "csv") -> list[Path]:
        """Every table as ``OUT_DIR/TABLE.csv`` or ``.parquet``; JSON columns stay JSON text."""
        if fmt not in ("csv", "parquet"):
            raise StoreError(f"format must be csv or parquet, not {fmt!r}")
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in TABLES:
            path = out_dir / f"{name}.{fmt}"
            option = "(HEADER)" if fmt == "csv" else "(FORMAT parquet)"
            self._con.execute(f"COPY {name} TO '{_quote(path)}' {option}")
            paths.append(path)
        return paths


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
