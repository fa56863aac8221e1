"""The run directory: a manifest, one JSONL row per step and one per episode, checkpoints.

Layout of ``RUN_DIR``::

    run.json          manifest: config, rhlab version, git commit, seed, model, prompt ids, schema
    steps.jsonl       one row per finished optimizer step (written as it happens)
    episodes.jsonl    one row per graded completion
    trainer/          TRL/transformers checkpoints (``checkpoint-N``: weights or adapter, optimizer)
    final/            the final model, merged, loadable by path

Rows are appended and flushed one at a time; a kill can leave a partial last line, which
``truncate_after`` removes together with every row of a step after the resume point, so a resumed
run has each step exactly once.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

SCHEMA_VERSION = 1
STEPS = "steps.jsonl"
EPISODES = "episodes.jsonl"
MANIFEST = "run.json"


def read_rows(path: Path) -> Iterator[dict]:
    """Complete JSON rows of a JSONL file; a torn last line is skipped."""
    try:
        fh = open(path, encoding="utf-8")
    except FileNotFoundError:
        return
    with fh:
        for line in fh:
            if not line.endswith("\n"):
                break
            try:
                yield json.loads(line)
            except ValueError:
                continue


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


class RunLog:
    def __init__(self, run_dir: Path):
        self.dir = Path(run_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._files: dict[str, Any] = {}

    def write_manifest(self, manifest: dict) -> None:
        data = {"schema_version": SCHEMA_VERSION, "written_at": time.time(),
                "git_commit": git_commit(), **manifest}
        tmp = self.dir / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, self.dir / MANIFEST)

    def manifest(self) -> dict:
        return json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))

    def append(self, name: str, row: dict) -> None:
        fh = self._files.get(name)
        if fh is None:
            fh = self._files[name] = open(self.dir / name, "a", encoding="utf-8")
        fh.write(json.dumps(row, default=str) + "\n")
        fh.flush()

    def rows(self, name: str) -> list[dict]:
        return list(read_rows(self.dir / name))

    def truncate_after(self, step: int) -> None:
        """Keep only complete rows with ``step <= step`` (used before resuming)."""
        self.close()
        for name in (STEPS, EPISODES):
            path = self.dir / name
            if not path.exists():
                continue
            keep = [r for r in read_rows(path) if r.get("step", 0) <= step]
            tmp = path.with_suffix(".tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                for row in keep:
                    fh.write(json.dumps(row, default=str) + "\n")
            os.replace(tmp, path)

    def close(self) -> None:
        for fh in self._files.values():
            fh.close()
        self._files.clear()
