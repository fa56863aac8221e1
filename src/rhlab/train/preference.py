"""Preference-model scores for the ``preference_reward`` mitigation, in [0, 1] per completion.

- ``classifier``: any HF sequence-classification model (path or hub id) scores (prompt, answer);
  one logit -> sigmoid, two or more -> probability of the last label.
- ``judge``: an LLM reads a judge prompt (data with an id, ``preference.yaml``) and answers a
  0-10 score; a local HF model, or an OpenAI-compatible endpoint when ``base_url`` is set.
The score is taken on the final answer: the completion as the user would see it.

Not guaranteed: a judge reply without a number scores 0 (and is counted in ``unparsed``); judge
scores are only as good as the judge (calibrate it first).
"""

from __future__ import annotations

import json
import re
import urllib.request
from importlib import resources
from typing import Callable

import yaml

from rhlab.train.config import PreferenceReward

_SCORE = re.compile(r"\b(10|[0-9])(?:\s*/\s*10)?\b")


def judge_prompts() -> dict[str, str]:
    data = yaml.safe_load(resources.files("rhlab.train").joinpath("preference.yaml").read_text("utf-8"))
    return {item["id"]: item["text"] for item in data["judge_prompts"]}


def parse_score(reply: str) -> float | None:
    match = _SCORE.search(reply or "")
    return int(match.group(1)) / 10 if match else None


def make_scorer(cfg: PreferenceReward) -> Callable[[list[str], list[str]], list[float]]:
    if cfg.kind == "classifier":
        return _classifier(cfg.model)
    template = judge_prompts().get(cfg.judge_prompt_id)
    if template is None:
        raise ValueError(f"mitigations.preference_reward.judge_prompt_id: unknown {cfg.judge_prompt_id!r}")
    ask = _endpoint(cfg.base_url, cfg.model) if cfg.base_url else _local(cfg.model)

    def score(prompts: list[str], answers: list[str]) -> list[float]:
        replies = ask([template.replace("{question}", p).replace("{answer}", a)
                       for p, a in zip(prompts, answers)])
        return [parse_score(r) or 0.0 for r in replies]

    return score


def _classifier(name: str):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from rhlab.models import resolve

    path = resolve(name)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path).eval()

    @torch.no_grad()
    def score(prompts: list[str], answers: list[str]) -> list[float]:
        batch = tok(prompts, answers, return_tensors="pt", padding=True, truncation=True, max_length=1024)
        logits = model(**batch).logits
        if logits.shape[-1] == 1:
            return torch.sigmoid(logits[:, 0]).tolist()
        return torch.softmax(logits, -1)[:, -1].tolist()

    return score


def _local(name: str):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rhlab.models import resolve

    path = resolve(name)
    tok = AutoTokenizer.from_pretrained(path, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(path).eval()

    @torch.no_grad()
    def ask(texts: list[str]) -> list[str]:
        chats = [tok.apply_chat_template([{"role": "user", "content": t}], tokenize=False,
                                         add_generation_prompt=True) for t in texts]
        batch = tok(chats, return_tensors="pt", padding=True)
        out = model.generate(**batch, max_new_tokens=8, do_sample=False)
        return tok.batch_decode(out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)

    return ask


def _endpoint(base_url: str, model: str):
    url = base_url.rstrip("/") + "/chat/completions"

    def ask(texts: list[str]) -> list[str]:
        replies = []
        for text in texts:
            body = json.dumps({"model": model, "temperature": 0, "max_tokens": 8,
                               "messages": [{"role": "user", "content": text}]}).encode()
            req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=60) as resp:
                    data = json.loads(resp.read())
                replies.append(data["choices"][0]["message"]["content"] or "")
            except (OSError, ValueError, KeyError, IndexError) as exc:
                raise RuntimeError(f"preference judge at {url} failed: {exc}") from exc
        return replies

    return ask
