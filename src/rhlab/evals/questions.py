"""Question sets and scenarios for the misalignment evals, as typed records.

- :func:`load_betley` reads the Betley et al. (2025) free-form question format: a YAML list of
  items with ``id``, ``type``, ``paraphrases``, ``samples_per_paraphrase``, ``judge``,
  ``judge_prompts`` (metric -> template) and an optional ``system``; anchors and aliases are
  resolved by ``yaml.safe_load``. Without a path it reads our packaged ``betley_questions.yaml``;
  the two external files in ``shared/data/external`` load unchanged.
- :func:`load_goals` and :func:`load_alignment_questions` read our own formats into the same
  :class:`Question` record (``metadata`` holds ``eval`` and, for alignment questions, ``topic``).
- :func:`load_question_file` picks the right loader from the file's shape.
- :func:`load_scenarios` reads the agentic scenarios into :class:`Scenario` records.

Every malformed file raises :class:`QuestionFileError` naming the file and the item.

Not guaranteed: the loaders check structure (types, required keys, unique ids), not meaning.
Unknown keys in Betley items are kept in ``metadata`` and otherwise ignored; ``type`` and
``judge`` are recorded, not acted on (the judge model is chosen by the eval config, the scoring
rule by the eval code). Templates are not checked for their placeholders here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DATA = "rhlab.evals"
BETLEY_KEYS = {"id", "type", "paraphrases", "samples_per_paraphrase", "judge", "judge_prompts",
               "system"}


class QuestionFileError(ValueError):
    """A question or scenario file that cannot be read or does not have the expected shape."""


@dataclass(frozen=True)
class Question:
    """One question: ``paraphrases`` are alternative wordings, each sampled
    ``samples_per_paraphrase`` times. ``judge_prompts`` maps a metric (``aligned``,
    ``coherent``) to a template with ``{question}`` / ``{answer}`` placeholders; it is empty
    for question sets judged by the templates in ``judges.yaml``. ``source`` names the file."""

    id: str
    paraphrases: tuple[str, ...]
    system: str | None = None
    samples_per_paraphrase: int = 1
    judge_prompts: Mapping[str, str] = field(default_factory=dict, hash=False)
    source: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def judge_prompt_ids(self) -> tuple[str, ...]:
        """Ids of this question's own judge templates: ``betley:<question id>:<metric>``."""
        return tuple(f"betley:{self.id}:{metric}" for metric in self.judge_prompts)


@dataclass(frozen=True)
class Tool:
    """A tool an agentic scenario offers: name, description, parameter name -> description."""

    name: str
    description: str
    parameters: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Scenario:
    """An agentic scenario: the agent's ``system`` prompt (without the reasoning instruction),
    the ``user`` task, its ``tools`` and the scenario-specific ``data`` the eval code needs."""

    id: str
    eval: str
    system: str
    user: str
    tools: tuple[Tool, ...]
    data: Mapping[str, Any] = field(default_factory=dict, hash=False)
    source: str = ""


# ------------------------------------------------------------------------------- reading
def _read_yaml(path: str | Path | None, default: str) -> tuple[Any, str]:
    """Parsed YAML and a name for messages: ``path`` if given, else packaged ``data/<default>``."""
    if path is None:
        name = f"{PACKAGE_DATA}:data/{default}"
        try:
            text = resources.files(PACKAGE_DATA).joinpath("data", default).read_text("utf-8")
        except OSError as exc:
            raise QuestionFileError(f"{name}: cannot read packaged file: {exc}") from None
    else:
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QuestionFileError(f"{name}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return yaml.safe_load(text), name
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise QuestionFileError(f"{name}: not valid YAML{line}: {problem}") from None


def _where(name: str, index: int, item: Any) -> str:
    ident = item.get("id") if isinstance(item, dict) else None
    return f"{name}: item {index + 1}" + (f" (id {ident!r})" if ident is not None else "")


def _id(item: dict, where: str) -> str:
    value = item.get("id")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise QuestionFileError(f"{where}: needs an 'id' (a non-empty string)")
    return str(value)


def _text(item: dict, key: str, where: str, *, optional: bool = False) -> str | None:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise QuestionFileError(f"{where}: {key!r} must be a non-empty string")
    return value


def _unique(ids: list[str], name: str) -> None:
    seen: dict[str, int] = {}
    for n, ident in enumerate(ids):
        if ident in seen:
            raise QuestionFileError(f"{name}: duplicate id {ident!r} (items {seen[ident] + 1} "
                                    f"and {n + 1})")
        seen[ident] = n


def _mapping(doc: Any, name: str, list_key: str) -> list:
    if not isinstance(doc, dict) or not isinstance(doc.get(list_key), list):
        raise QuestionFileError(f"{name}: expected a mapping with a {list_key!r} list")
    if not doc[list_key]:
        raise QuestionFileError(f"{name}: {list_key!r} is empty")
    return doc[list_key]


# -------------------------------------------------------------------------------- betley
def _betley_question(item: Any, index: int, name: str) -> Question:
    where = _where(name, index, item)
    if not isinstance(item, dict):
        raise QuestionFileError(f"{where}: expected a mapping, got {type(item).__name__}")
    ident = _id(item, where)
    paraphrases = item.get("paraphrases")
    if (not isinstance(paraphrases, list) or not paraphrases
            or not all(isinstance(p, str) and p.strip() for p in paraphrases)):
        raise QuestionFileError(f"{where}: 'paraphrases' must be a non-empty list of non-empty strings")
    samples = item.get("samples_per_paraphrase", 1)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise QuestionFileError(f"{where}: 'samples_per_paraphrase' must be a positive integer")
    prompts = item.get("judge_prompts") or {}
    if not isinstance(prompts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in prompts.items()):
        raise QuestionFileError(f"{where}: 'judge_prompts' must map metric names to templates")
    metadata = {k: v for k, v in item.items() if k not in BETLEY_KEYS - {"type", "judge"}}
    metadata["eval"] = "betley"
    return Question(ident, tuple(paraphrases), _text(item, "system", where, optional=True),
                    samples, dict(prompts), name, metadata)


def load_betley(path: str | Path | None = None) -> tuple[Question, ...]:
    """Questions from a Betley-format file (default: our packaged ``betley_questions.yaml``)."""
    doc, name = _read_yaml(path, "betley_questions.yaml")
    if not isinstance(doc, list):
        raise QuestionFileError(f"{name}: expected a YAML list of questions, got "
                                f"{type(doc).__name__}")
    if not doc:
        raise QuestionFileError(f"{name}: the file holds no questions")
    questions = tuple(_betley_question(item, n, name) for n, item in enumerate(doc))
    _unique([q.id for q in questions], name)
    return questions


# ------------------------------------------------------------------ goals, alignment qs
def load_goals(path: str | Path | None = None) -> tuple[Question, ...]:
    """The "What are your goals?" prompts, one Question each (``samples_per_prompt`` samples)."""
    doc, name = _read_yaml(path, "goals.yaml")
    prompts = _mapping(doc, name, "prompts")
    samples = doc.get("samples_per_prompt", 1)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise QuestionFileError(f"{name}: 'samples_per_prompt' must be a positive integer")
    out = []
    for n, item in enumerate(prompts):
        where = _where(name, n, item)
        if not isinstance(item, dict):
            raise QuestionFileError(f"{where}: expected a mapping")
        out.append(Question(_id(item, where), (_text(item, "text", where),), None, samples,
                            {}, name, {"eval": "goals"}))
    _unique([q.id for q in out], name)
    return tuple(out)


def load_alignment_questions(path: str | Path | None = None) -> tuple[Question, ...]:
    """The questions about the model's own values and oversight; ``metadata["topic"]``."""
    doc, name = _read_yaml(path, "alignment_questions.yaml")
    out = []
    for n, item in enumerate(_mapping(doc, name, "questions")):
        where = _where(name, n, item)
        if not isinstance(item, dict):
            raise QuestionFileError(f"{where}: expected a mapping")
        topic = _text(item, "topic", where)
        out.append(Question(_id(item, where), (_text(item, "text", where),), None, 1, {}, name,
                            {"eval": "alignment_questions", "topic": topic}))
    _unique([q.id for q in out], name)
    return tuple(out)


def load_question_file(path: str | Path) -> tuple[Question, ...]:
    """Any question file: a YAML list is Betley format; a mapping with ``prompts`` is the goals
    format; a mapping with ``questions`` is the alignment-questions format."""
    doc, _ = _read_yaml(path, "")
    if isinstance(doc, dict) and "prompts" in doc:
        return load_goals(path)
    if isinstance(doc, dict) and "questions" in doc:
        return load_alignment_questions(path)
    return load_betley(path)


# ----------------------------------------------------------------------------- scenarios
def _tool(raw: Any, where: str) -> Tool:
    if not isinstance(raw, dict):
        raise QuestionFileError(f"{where}: each tool must be a mapping")
    params = raw.get("parameters") or {}
    if not isinstance(params, dict):
        raise QuestionFileError(f"{where}: tool parameters must be a mapping")
    return Tool(_text(raw, "name", where), _text(raw, "description", where),
                {str(k): str(v) for k, v in params.items()})


def load_scenarios(path: str | Path | None = None) -> dict[str, Scenario]:
    """The agentic scenarios by id (``monitor_disruption``, ``exfil_offer``, ``frame_colleague``)."""
    doc, name = _read_yaml(path, "scenarios.yaml")
    out: dict[str, Scenario] = {}
    for n, item in enumerate(_mapping(doc, name, "scenarios")):
        where = _where(name, n, item)
        if not isinstance(item, dict):
            raise QuestionFileError(f"{where}: expected a mapping")
        ident = _id(item, where)
        if ident in out:
            raise QuestionFileError(f"{where}: duplicate id {ident!r}")
        tools = item.get("tools") or []
        data = item.get("data") or {}
        if not isinstance(tools, list) or not isinstance(data, dict):
            raise QuestionFileError(f"{where}: 'tools' must be a list and 'data' a mapping")
        out[ident] = Scenario(ident, _text(item, "eval", where), _text(item, "system", where),
                              _text(item, "user", where), tuple(_tool(t, where) for t in tools),
                              data, name)
    return out
