import pytest

from rhlab.train.config import PreferenceReward
from rhlab.train.preference import judge_prompts, make_scorer, parse_score


@pytest.mark.parametrize("reply, score", [("7", 0.7), ("Score: 10/10", 1.0), (" 0 ", 0.0),
                                          ("no idea", None), ("", None)])
def test_parse_score(reply, score):
    assert parse_score(reply) == score


def test_judge_prompts_have_placeholders():
    for text in judge_prompts().values():
        assert "{question}" in text and "{answer}" in text


def test_classifier_scores_in_unit_interval(tiny_model_dir, tmp_path):
    from transformers import AutoTokenizer, LlamaConfig, LlamaForSequenceClassification

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, num_labels=1,
                      pad_token_id=tok.pad_token_id)
    LlamaForSequenceClassification(cfg).save_pretrained(tmp_path / "rm")
    tok.save_pretrained(tmp_path / "rm")
    scorer = make_scorer(PreferenceReward(model=str(tmp_path / "rm"), kind="classifier", weight=0.5))
    scores = scorer(["q1", "q2"], ["answer one", "a2"])
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)


def test_unknown_judge_prompt():
    with pytest.raises(ValueError, match="judge_prompt_id"):
        make_scorer(PreferenceReward(model="x/y", kind="judge", judge_prompt_id="nope"))


def test_unreachable_endpoint_is_a_clear_error():
    scorer = make_scorer(PreferenceReward(model="m", kind="judge", base_url="http://127.0.0.1:9/v1"))
    with pytest.raises(RuntimeError, match="preference judge"):
        scorer(["q"], ["a"])
