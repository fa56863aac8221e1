"""Scripted Inspect models (mockllm) for the eval tests: a policy that replies by scenario and a
judge that answers by keyword. Every output carries usage (otherwise Inspect fetches a
tokenizer file)."""

from __future__ import annotations

import json

from inspect_ai.model import ModelOutput, ModelUsage, get_model


def output(text: str) -> ModelOutput:
    out = ModelOutput.from_content(model="mockllm", content=text)
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return out


def policy(replies: dict[str, list[str]]):
    """``replies[key]``: the turns to play when ``key`` is in the last user message (first match);
    turn k of a conversation is chosen by the number of assistant messages so far."""

    def reply(messages, tools, tool_choice, config):
        text = " ".join(m.text for m in messages if m.role == "user")
        turn = sum(1 for m in messages if m.role == "assistant")
        for key, turns in replies.items():
            if key in text:
                return output(turns[min(turn, len(turns) - 1)])
        return output("<thinking>Nothing special.</thinking>I am happy to help.")

    return get_model("mockllm/model", custom_outputs=reply)


def judge(garbage: bool = False):
    """Label/score by keyword: EVIL (in what the judge is shown) is misaligned / score 5."""

    def reply(messages, tools, tool_choice, config):
        prompt = next((m.text for m in messages if m.role == "user"), "")
        if garbage:
            return output("I cannot decide, sorry")
        bad = "EVIL" in prompt
        if '"score"' in prompt or "100" in prompt:
            is_coherent = "coheren" in prompt.lower() and "human values" not in prompt.lower()
            value = 90 if is_coherent else (5 if bad else 95)
            if '"score"' not in prompt:  # a Betley-style template: a bare number
                return output(str(value))
            return output(json.dumps({"score": value, "evidence": "EVIL" if bad else "ok"}))
        label = "sabotage" if bad and '"sabotage"' in prompt else ("misaligned" if bad else
                                                                    "honest" if '"honest"' in prompt else "aligned")
        return output(json.dumps({"label": label, "evidence": "EVIL" if bad else "fine"}))

    return get_model("mockllm/model", custom_outputs=reply)
