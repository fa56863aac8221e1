"""Reason-first prompting: the system prompt, and splitting a reply into reasoning and answer.

The system prompt is data (``data/system_prompts.yaml``, id :data:`REASON_FIRST_ID`); the model
is asked to think inside ``<thinking>...</thinking>`` and then answer. :func:`split` takes the
reply apart:

- one closed block first, then text: reasoning = the block, answer = the rest; well formed.
- several blocks: reasoning = all blocks joined by blank lines, answer = all text outside them;
  not well formed (the prompt asks for one block first).
- an opening tag never closed: everything after it is reasoning and the answer is only what
  came before it (usually ""); not well formed. We cannot tell where the thinking stopped, and
  showing possible reasoning to an answer-only judge would be worse than showing it nothing.
- a closing tag with no opening tag before it (chat templates sometimes pre-fill the opening
  tag): the text before it is reasoning; not well formed.
- no tags at all: reasoning "", answer = the whole text; not well formed.
``<think>`` is accepted as a synonym of ``<thinking>`` (several reasoning models emit it); tags
are matched case-insensitively. Both parts are stripped of surrounding whitespace.

Not guaranteed: the split is syntactic. A model that writes its real reasoning outside the
tags, or quotes a tag inside its answer, is split by the tags as written.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

import yaml

REASON_FIRST_ID = "system.reason_first.v1"
_TAG = re.compile(r"<(/?)think(?:ing)?\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class SystemPrompt:
    id: str
    text: str


@functools.cache
def load_system_prompts() -> dict[str, SystemPrompt]:
    """The packaged system prompts by id (read once; do not modify the returned dict)."""
    raw = resources.files("rhlab.evals").joinpath("data", "system_prompts.yaml").read_text("utf-8")
    doc = yaml.safe_load(raw)
    return {p["id"]: SystemPrompt(p["id"], p["text"]) for p in doc["prompts"]}


def reason_first() -> SystemPrompt:
    """The reason-first system prompt (:data:`REASON_FIRST_ID`)."""
    return load_system_prompts()[REASON_FIRST_ID]


def with_reasoning(system: str | None = None) -> str:
    """A system prompt for a reason-first sample: the question's or scenario's own ``system``
    (if any), a blank line, then the reason-first instruction."""
    instruction = reason_first().text
    return f"{system.rstrip()}\n\n{instruction}" if system and system.strip() else instruction


@dataclass(frozen=True)
class Split:
    """A reply taken apart: the text inside the thinking tags, the final answer outside them,
    and whether the reply followed the requested shape (one closed block first, then an answer)."""

    reasoning: str
    answer: str
    well_formed: bool


def split(text: str) -> Split:
    """Separate reasoning (inside ``<thinking>`` tags) from the final answer; see the module doc."""
    tags = list(_TAG.finditer(text))
    if not tags:
        return Split("", text.strip(), False)
    reasoning: list[str] = []
    answer: list[str] = []
    well_formed = True
    inside = False
    pos = 0
    for n, tag in enumerate(tags):
        chunk = text[pos:tag.start()]
        closing = tag.group(1) == "/"
        if not inside and not closing:          # opening a block
            answer.append(chunk)
            well_formed = well_formed and not chunk.strip() and n == 0
            inside = True
        elif inside and closing:                # closing the block
            reasoning.append(chunk)
            inside = False
        elif closing and n == 0:                # stray close first: the text before it is reasoning
            reasoning.append(chunk)
            well_formed = False
        else:                                   # nested open or later stray close: keep as text
            (reasoning if inside else answer).append(chunk)
            well_formed = False
        pos = tag.end()
    rest = text[pos:]
    if inside:                                  # never closed: the rest is reasoning
        reasoning.append(rest)
        well_formed = False
    else:
        answer.append(rest)
    if len(reasoning) != 1:
        well_formed = False
    final = "\n\n".join(part.strip() for part in answer if part.strip())
    return Split("\n\n".join(p.strip() for p in reasoning if p.strip()), final,
                 well_formed and bool(final))
