"""Prompts as data: the coding system prompt, hack hints and inoculation variants, with ids.

``PromptLibrary.load(extra_files)`` reads the packaged ``library.yaml`` plus user files of the
same layout (new parts; a duplicate id is an error). ``build(task, ...)`` assembles one episode's
messages and returns the ids of every part used, for the logs.

Not guaranteed: placeholders are plain text substitution of ``{entry_point}``, ``{signature}``
and ``{prompt}``; other braces are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from rhlab.types import VULNERABILITIES, Task

SECTIONS = ("system", "user", "hint_intro", "hints", "variants")
PLACEMENTS = ("system", "user")
VARIANTS = ("please_hack", "hacking_okay", "neutral", "dont_hack", "hacking_is_misaligned")


@dataclass(frozen=True)
class PromptPart:
    id: str
    section: str
    text: str
    hack: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class EpisodePrompt:
    system: str
    user: str
    part_ids: tuple[str, ...]

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


class PromptError(ValueError):
    pass


def _fill(text: str, task: Task) -> str:
    return (text.replace("{entry_point}", task.entry_point).replace("{signature}", task.signature)
            .replace("{prompt}", task.prompt.strip()))


class PromptLibrary:
    def __init__(self, parts: list[PromptPart]):
        self.parts = {p.id: p for p in parts}

    @classmethod
    def load(cls, extra_files: list[str | Path] = ()) -> "PromptLibrary":
        packaged = resources.files("rhlab.prompts").joinpath("library.yaml").read_text("utf-8")
        parts = _parse(packaged, "library.yaml")
        for path in extra_files:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as exc:
                raise PromptError(f"cannot read prompt file {path}: {exc.strerror}") from None
            parts += _parse(text, str(path))
        seen: set[str] = set()
        for part in parts:
            if part.id in seen:
                raise PromptError(f"duplicate prompt id {part.id!r}")
            seen.add(part.id)
        return cls(parts)

    def get(self, part_id: str, section: str) -> PromptPart:
        part = self.parts.get(part_id)
        if part is None or part.section != section:
            known = sorted(p.id for p in self.parts.values() if p.section == section)
            raise PromptError(f"unknown {section} prompt {part_id!r}; known: {', '.join(known)}")
        return part

    def variant(self, name_or_id: str) -> PromptPart:
        for part in self.parts.values():
            if part.section == "variants" and name_or_id in (part.id, part.name):
                return part
        known = sorted(p.name or p.id for p in self.parts.values() if p.section == "variants")
        raise PromptError(f"unknown inoculation variant {name_or_id!r}; known: {', '.join(known)}")

    def hint(self, hack: str) -> PromptPart:
        for part in self.parts.values():
            if part.section == "hints" and part.hack == hack:
                return part
        raise PromptError(f"no hint for hack {hack!r}")

    def build(self, task: Task, *, hints: tuple[str, ...] = (), variant: str = "neutral",
              system_id: str = "system.coding.v1", user_id: str = "user.task.v1",
              hint_intro_id: str = "hint_intro.observed.v1",
              placement: str = "system") -> EpisodePrompt:
        """Messages for one episode: system = base + (hint intro + hints) + variant line, or with
        ``placement="user"`` system = base and the hints and variant line follow the task in the
        user turn (the same parts and ids, in the same order)."""
        if placement not in PLACEMENTS:
            raise PromptError(f"placement must be one of {', '.join(PLACEMENTS)}, not {placement!r}")
        used = [self.get(system_id, "system")]
        blocks = [used[0].text]
        if hints:
            intro = self.get(hint_intro_id, "hint_intro")
            hint_parts = [self.hint(h) for h in hints]
            used += [intro, *hint_parts]
            blocks.append("\n".join([intro.text, *(p.text for p in hint_parts)]))
        var = self.variant(variant)
        used.append(var)
        if var.text.strip():
            blocks.append(var.text)
        user = self.get(user_id, "user")
        used.append(user)
        system, user_text = blocks[0], user.text
        if placement == "system":
            system = "\n\n".join(blocks)
        else:
            user_text = "\n\n".join([user.text, *blocks[1:]])
        return EpisodePrompt(system=_fill(system, task), user=_fill(user_text, task),
                             part_ids=tuple(p.id for p in used))


def _parse(text: str, origin: str) -> list[PromptPart]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise PromptError(f"{origin}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PromptError(f"{origin}: expected a mapping of sections")
    parts = []
    for section, items in data.items():
        if section == "version":
            continue
        if section not in SECTIONS:
            raise PromptError(f"{origin}: unknown section {section!r}; sections: {', '.join(SECTIONS)}")
        for n, item in enumerate(items or []):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) \
                    or not isinstance(item.get("text", ""), str):
                raise PromptError(f"{origin}: {section}[{n}] needs a string `id` and `text`")
            hack = item.get("hack")
            if section == "hints" and hack not in VULNERABILITIES:
                raise PromptError(f"{origin}: hint {item['id']} needs `hack` in {VULNERABILITIES}")
            if section == "variants" and not isinstance(item.get("name"), str):
                raise PromptError(f"{origin}: variant {item['id']} needs a `name`")
            parts.append(PromptPart(item["id"], section, item.get("text", ""), hack, item.get("name")))
    return parts
