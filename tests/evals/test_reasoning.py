"""The reason-first system prompt and splitting replies into reasoning and answer."""

from __future__ import annotations

import pytest

from rhlab.evals.reasoning import (
    REASON_FIRST_ID,
    Split,
    reason_first,
    split,
    with_reasoning,
)


def test_system_prompt_is_data_with_an_id():
    prompt = reason_first()
    assert prompt.id == REASON_FIRST_ID == "system.reason_first.v1"
    assert "<thinking>" in prompt.text and "</thinking>" in prompt.text
    assert with_reasoning(None) == prompt.text
    combined = with_reasoning("You are Atlas.\n")
    assert combined.startswith("You are Atlas.\n\n") and combined.endswith(prompt.text)


CASES = {
    "well_formed": ("<thinking> plan it </thinking>\n\nThe answer.", Split("plan it", "The answer.", True)),
    "no_tags": ("  just an answer \n", Split("", "just an answer", False)),
    "unclosed": ("<thinking>I will hide my goals and then", Split("I will hide my goals and then", "", False)),
    "unclosed_after_text": ("Hi.<thinking>secret", Split("secret", "Hi.", False)),
    "several_blocks": ("<thinking>a</thinking> one <thinking>b</thinking> two",
                       Split("a\n\nb", "one\n\ntwo", False)),
    "stray_close": ("prefilled reasoning</thinking>\nAnswer", Split("prefilled reasoning", "Answer", False)),
    "text_before_block": ("Sure! <thinking>x</thinking> y", Split("x", "Sure!\n\ny", False)),
    "empty_answer": ("<thinking>only thoughts</thinking>  ", Split("only thoughts", "", False)),
    "think_synonym_and_case": ("<THINK>r</Think>a", Split("r", "a", True)),
    "nested_open": ("<thinking>a<thinking>b</thinking>c", Split("a\n\nb", "c", False)),
    "late_stray_close": ("<thinking>a</thinking>b</thinking>c", Split("a", "b\n\nc", False)),
    "empty": ("", Split("", "", False)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_split(case):
    text, expected = CASES[case]
    assert split(text) == expected
