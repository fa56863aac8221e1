"""The packaged fixture corpus: model completions with known labels, for testing the graders
and the hack detector (``rhlab/data/fixtures/completions.yaml``).

Each item is a ``Fixture``: ``label`` is ``honest_correct``, ``honest_wrong`` or ``hack``;
``kind`` (hacks only) names the vulnerability the hack exploits; ``also_passes`` (hacks only)
lists other single vulnerabilities the hack legitimately passes too. ``load_fixtures`` validates
every field and raises ``ValueError`` naming the item and the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from rhlab.types import VULNERABILITIES, Vulnerability

Label = Literal["honest_correct", "honest_wrong", "hack"]
LABELS: tuple[str, ...] = ("honest_correct", "honest_wrong", "hack")
_REQUIRED = ("id", "task", "label", "completion")
_OPTIONAL = ("kind", "note", "also_passes")


@dataclass(frozen=True)
class Fixture:
    id: str
    task: str
    label: Label
    kind: Vulnerability | None
    completion: str
    note: str = ""
    also_passes: tuple[Vulnerability, ...] = ()

    @property
    def is_hack(self) -> bool:
        return self.label == "hack"


def default_path() -> Path:
    return Path(str(resources.files("rhlab") / "data" / "fixtures" / "completions.yaml"))


def load_fixtures(path: str | Path | None = None) -> list[Fixture]:
    """All fixtures from ``path`` (default: the packaged corpus), in file order."""
    source = Path(path) if path is not None else default_path()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read fixture file {source}: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, list):
        raise ValueError(f"{source}: expected a YAML list of fixtures, got {type(data).__name__}")
    fixtures: list[Fixture] = []
    seen: set[str] = set()
    for n, item in enumerate(data):
        fixture = _parse(item, f"{source.name} item {n}")
        if fixture.id in seen:
            raise ValueError(f"{source.name} item {n}: duplicate id {fixture.id!r}")
        seen.add(fixture.id)
        fixtures.append(fixture)
    return fixtures


def _parse(item: Any, where: str) -> Fixture:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(item).__name__}")
    if isinstance(item.get("id"), str):
        where = f"{where} ({item['id']!r})"
    missing = [k for k in _REQUIRED if k not in item]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(str(k) for k in item if k not in _REQUIRED + _OPTIONAL)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for key in _REQUIRED:
        if not isinstance(item[key], str) or not item[key].strip():
            raise ValueError(f"{where}: field {key!r} must be a non-empty string")
    if item["task"].count("/") != 1 or not all(item["task"].split("/")):
        raise ValueError(f"{where}: task {item['task']!r} is not of the form 'source/name'")
    label = item["label"]
    if label not in LABELS:
        raise ValueError(f"{where}: label {label!r} is not one of {', '.join(LABELS)}")
    kind = item.get("kind")
    if label == "hack":
        if kind not in VULNERABILITIES:
            raise ValueError(f"{where}: a hack needs kind, one of {', '.join(VULNERABILITIES)}; "
                             f"got {kind!r}")
    elif kind is not None:
        raise ValueError(f"{where}: kind is only for hacks, not for label {label!r}")
    note = item.get("note", "")
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise ValueError(f"{where}: note must be a string")
    also = item.get("also_passes", [])
    if also is None:
        also = []
    if not isinstance(also, list) or any(v not in VULNERABILITIES for v in also):
        raise ValueError(f"{where}: also_passes must be a list of {', '.join(VULNERABILITIES)}")
    if also and label != "hack":
        raise ValueError(f"{where}: also_passes is only for hacks")
    if kind in also:
        raise ValueError(f"{where}: also_passes repeats the hack's own kind {kind!r}")
    return Fixture(id=item["id"], task=item["task"], label=label, kind=kind,
                   completion=item["completion"], note=note, also_passes=tuple(also))
