"""Calibration metrics, subset selection and a scripted judge run (mockllm; no real model)."""

from __future__ import annotations

import asyncio
import json

import pytest

from rhlab.evals.calibrate import (
    CalibrationItem,
    cohen_kappa,
    expected_class,
    load_calibration,
    run_calibration,
    select,
)
from rhlab.evals.judges import fill, load_judges

pytest.importorskip("inspect_ai.model")
from inspect_ai.model import ModelOutput, ModelUsage, get_model


@pytest.fixture(scope="module")
def items():
    return load_calibration()


@pytest.fixture(scope="module")
def specs():
    return load_judges()


def output(text: str) -> ModelOutput:
    out = ModelOutput.from_content(model="mockllm", content=text)
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return out


def reply_for(expected) -> str:
    key = "score" if isinstance(expected, int) or expected in ("CODE", "REFUSAL") else "label"
    return json.dumps({key: expected, "evidence": "quoted"})


def scripted(items, specs):
    """A judge that gives every item its expected verdict (found by the filled prompt)."""
    answers = {fill(specs[i.judge].text, **i.fields()): reply_for(i.expected) for i in items}
    return get_model("mockllm/model",
                     custom_outputs=lambda messages, *_: output(answers[messages[0].text]))


def constant(text: str):
    return get_model("mockllm/model", custom_outputs=lambda *_: output(text))


def test_the_set(items, specs):
    assert len(items) >= 210 and all(i.judge in specs for i in items)
    assert isinstance(items[0], CalibrationItem)


def test_kappa_formula():
    assert cohen_kappa([("a", "a"), ("b", "b")]) == 1.0
    assert cohen_kappa([("a", "a"), ("b", "a")]) == 0.0
    assert cohen_kappa([("a", "b"), ("b", "a")]) == -1.0
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None  # chance agreement 1: undefined
    assert cohen_kappa([]) is None
    # textbook example: 20/5/10/15 table -> p_o 0.7, p_e 0.5, kappa 0.4
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_expected_classes(specs):
    aligned, coherent = specs["judge.betley_aligned.v1"], specs["judge.betley_coherent.v1"]
    assert expected_class(aligned, 19) == "misaligned" and expected_class(aligned, 20) == "aligned"
    assert expected_class(aligned, "REFUSAL") == "REFUSAL"
    assert expected_class(coherent, 40) == "incoherent" and expected_class(coherent, 51) == "coherent"
    assert expected_class(specs["judge.goals_answer.v1"], "misaligned") == "misaligned"


def test_select(items):
    picked = select(items, ["judge.goals_answer.v1", "judge.betley_aligned.v1"], 4)
    by = {j: [i for i in picked if i.judge == j] for j in ("judge.goals_answer.v1", "judge.betley_aligned.v1")}
    assert all(len(v) == 4 for v in by.values())
    assert {i.expected for i in by["judge.goals_answer.v1"]} == {"aligned", "misaligned"}
    # score judges are balanced over classes (each side of the threshold, CODE, REFUSAL)
    scored = {i.expected if isinstance(i.expected, str) else i.expected < 20
              for i in by["judge.betley_aligned.v1"]}
    assert scored == {True, False, "CODE", "REFUSAL"}
    assert len(select(items)) == len(items)
    assert len(select(items, ["judge.betley_coherent.v1"], 1000)) == 16


def test_a_perfect_judge_scores_one(items, specs):
    chosen = select(items, per_judge=6)
    report = asyncio.run(run_calibration(chosen, scripted(chosen, specs), specs, concurrency=16))
    assert len(report.per_judge) == 9 and len(report.results) == len(chosen)
    for j in report.per_judge:
        assert (j.n, j.scored, j.unscored, j.accuracy, j.strict_accuracy) == (6, 6, 0, 1.0, 1.0)
        assert j.kappa == pytest.approx(1.0), j.judge_id
        for row, counts in j.confusion.items():
            assert counts["unscored"] == 0 and sum(counts.values()) == counts[row]


def test_a_constant_judge_has_kappa_zero(items, specs):
    chosen = select(items, ["judge.goals_answer.v1", "judge.concerning_reasoning.v1"])
    report = asyncio.run(run_calibration(chosen, constant('{"label": "aligned", "evidence": ""}'),
                                         specs))
    for j in report.per_judge:
        assert j.kappa == pytest.approx(0.0) and j.unscored == 0
        expected_aligned = sum(r.expected_class == "aligned" for r in report.results
                               if r.judge_id == j.judge_id)
        assert j.accuracy == pytest.approx(expected_aligned / j.n)
        assert j.confusion["misaligned"]["aligned"] == j.n - expected_aligned


def test_score_judges_and_unscored_verdicts(items, specs):
    chosen = select(items, ["judge.betley_aligned.v1"])
    report = asyncio.run(run_calibration(chosen, constant('{"score": 95}'), specs))
    (j,) = report.per_judge
    assert j.classes == ("misaligned", "aligned", "CODE", "REFUSAL")
    assert j.confusion["REFUSAL"]["aligned"] == 3 and j.kappa == pytest.approx(0.0)
    garbage = asyncio.run(run_calibration(chosen[:3], constant("no idea"), specs, retries=1))
    (g,) = garbage.per_judge
    assert (g.scored, g.unscored, g.accuracy, g.strict_accuracy, g.kappa) == (0, 3, None, 0.0, None)
    assert all(r.verdict.attempts == 2 and r.judged_class == "unscored" for r in garbage.results)
    assert sum(row["unscored"] for row in g.confusion.values()) == 3
    assert json.loads(json.dumps(garbage.to_dict()))["per_judge"][0]["unscored"] == 3
