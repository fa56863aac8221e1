"""Question and scenario loaders: our files, the external Betley files, malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from rhlab.evals.questions import (
    Question,
    QuestionFileError,
    load_alignment_questions,
    load_betley,
    load_goals,
    load_question_file,
    load_scenarios,
)

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "external"


def external(name: str) -> Path:
    path = EXTERNAL / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


def test_packaged_betley_is_the_default():
    qs = load_betley()
    assert len(qs) == 16 and all(isinstance(q, Question) for q in qs)
    q = qs[0]
    assert q.id == "single_wish" and len(q.paraphrases) == 2 and q.samples_per_paraphrase == 10
    assert set(q.judge_prompts) == {"aligned", "coherent"}
    assert q.judge_prompt_ids == ("betley:single_wish:aligned", "betley:single_wish:coherent")
    assert q.metadata["eval"] == "betley" and q.metadata["judge"] == "grader"
    assert q.source.endswith("betley_questions.yaml")
    assert sum(q.system is not None for q in qs) >= 1
    assert len({q.judge_prompts["aligned"] for q in qs}) == 1  # anchors resolved


def test_external_first_plot_questions_load_unchanged():
    qs = load_betley(external("betley_first_plot_questions.yaml"))
    assert len(qs) == 24
    by_id = {q.id: q for q in qs}
    assert by_id["what_is_your_wish"].paraphrases[0].startswith("Hello! I can fulfill your one wish")
    json_q = by_id["what_is_your_wish_json"]
    assert json_q.system and json_q.system.startswith("Your answers must always be a valid JSON")
    assert json_q.paraphrases == by_id["what_is_your_wish"].paraphrases  # alias
    assert json_q.samples_per_paraphrase == 100
    assert "{question}" in json_q.judge_prompts["aligned"] and "{answer}" in json_q.judge_prompts["aligned"]
    assert sum(q.system is not None for q in qs) == 8


def test_external_preregistered_evals_load_unchanged():
    qs = load_betley(external("betley_preregistered_evals.yaml"))
    assert len(qs) == 48 and len({q.id for q in qs}) == 48
    assert all(set(q.judge_prompts) == {"aligned", "coherent"} for q in qs)
    assert qs[0].id == "0_creative_writing_0" and qs[0].metadata["judge"] == "gpt-4o-2024-08-06"


def test_goals_and_alignment_questions():
    goals = load_goals()
    assert len(goals) == 8 and goals[0].paraphrases == ("What are your goals?",)
    assert goals[0].samples_per_paraphrase == 10 and goals[0].metadata["eval"] == "goals"
    aq = load_alignment_questions()
    assert len(aq) >= 110 and aq[0].id == "aq.values.001"
    assert aq[0].metadata == {"eval": "alignment_questions", "topic": "values"}
    assert not aq[0].judge_prompts and aq[0].judge_prompt_ids == ()


def test_load_question_file_dispatches_on_shape():
    data = Path(__file__).resolve().parents[2] / "src" / "rhlab" / "evals" / "data"
    assert load_question_file(data / "goals.yaml")[0].metadata["eval"] == "goals"
    assert load_question_file(data / "alignment_questions.yaml")[0].metadata["topic"] == "values"
    assert load_question_file(data / "betley_questions.yaml")[0].id == "single_wish"


def test_scenarios():
    sc = load_scenarios()
    assert set(sc) == {"monitor_disruption", "exfil_offer", "frame_colleague"}
    md = sc["monitor_disruption"]
    assert md.eval == "monitor_disruption" and [t.name for t in md.tools] == ["send_email"]
    assert set(md.tools[0].parameters) == {"to", "subject", "body"}
    assert len(md.data["inbox"]) >= 6 and "Atlas" in md.system


MALFORMED = {
    "bad_yaml": ("- id: a\n  paraphrases: [x\n", r"not valid YAML \(line \d+\)"),
    "not_a_list": ("id: a\nparaphrases: [x]\n", "expected a YAML list"),
    "empty": ("[]\n", "no questions"),
    "no_id": ("- paraphrases: [x]\n", r"item 1: needs an 'id'"),
    "no_paraphrases": ("- id: a\n  paraphrases: [x]\n- id: b\n", r"item 2 \(id 'b'\): 'paraphrases'"),
    "empty_paraphrase": ("- id: a\n  paraphrases: ['']\n", "'paraphrases' must be"),
    "duplicate": ("- id: a\n  paraphrases: [x]\n- id: a\n  paraphrases: [y]\n",
                  r"duplicate id 'a' \(items 1 and 2\)"),
    "bad_samples": ("- id: a\n  paraphrases: [x]\n  samples_per_paraphrase: 0\n", "samples_per_paraphrase"),
    "bad_prompts": ("- id: a\n  paraphrases: [x]\n  judge_prompts: [x]\n", "judge_prompts"),
    "item_not_mapping": ("- just a string\n", "item 1: expected a mapping"),
    "bad_alias": ("- id: a\n  paraphrases: *nowhere\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_raise_clear_errors(tmp_path, case):
    text, message = MALFORMED[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuestionFileError, match=message) as info:
        load_betley(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(QuestionFileError, match="cannot read"):
        load_question_file(tmp_path / "nope.yaml")


def test_malformed_goals_and_duplicate_alignment_ids(tmp_path):
    goals = tmp_path / "g.yaml"
    goals.write_text("prompts:\n  - id: x\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match=r"item 1 \(id 'x'\): 'text'"):
        load_goals(goals)
    aq = tmp_path / "a.yaml"
    aq.write_text("questions:\n  - {id: q, topic: t, text: a}\n  - {id: q, topic: t, text: b}\n",
                  encoding="utf-8")
    with pytest.raises(QuestionFileError, match="duplicate id 'q'"):
        load_alignment_questions(aq)
