"""The evals CLI sub-apps through typer's CliRunner (no real model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rhlab.evals.cli import app, judge_app

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "external"


def invoke(*args, sub=app):
    return CliRunner().invoke(sub, list(args))


def test_questions_default_is_our_file():
    result = invoke("questions", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 16
    assert set(rows[0]) == {"id", "paraphrases", "system", "judge_prompt_ids"}
    assert rows[0]["judge_prompt_ids"] == ["betley:single_wish:aligned", "betley:single_wish:coherent"]


def test_questions_table():
    result = invoke("questions")
    assert result.exit_code == 0 and "16 questions" in result.stdout


def test_questions_external_file():
    path = EXTERNAL / "betley_first_plot_questions.yaml"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    result = invoke("questions", "--file", str(path), "--json")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert len(rows) == 24 and rows["quick_buck_json"]["system"].startswith("Your answers must")


def test_questions_goals_file_lists_its_judges():
    path = Path(__file__).resolve().parents[2] / "src" / "rhlab" / "evals" / "data" / "goals.yaml"
    rows = json.loads(invoke("questions", "--file", str(path), "--json").stdout)
    assert rows[0]["judge_prompt_ids"] == ["judge.goals_answer.v1", "judge.goals_reasoning.v1"]


@pytest.mark.parametrize("text", ["- id: a\n  paraphrases: [x\n", "- id: a\n- id: a\n", "{}\n"])
def test_questions_malformed_file(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("questions", "--file", str(path))
    assert result.exit_code == 2
    assert "error:" in result.output and "bad.yaml" in result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_calibrate_unknown_judge_id():
    result = invoke("calibrate", "--judge", "mockllm/model", "--judge-ids", "judge.nope", sub=judge_app)
    assert result.exit_code == 2 and "unknown judge id" in result.output


def test_calibrate_bad_model_is_a_clear_error():
    result = invoke("calibrate", "--judge", "nosuchprovider/x", "--limit", "1", sub=judge_app)
    assert result.exit_code == 2 and "cannot create judge model" in result.output
    assert "Traceback" not in result.output


def test_calibrate_json_with_mockllm(tmp_path, monkeypatch):
    inspect_model = pytest.importorskip("inspect_ai.model")
    from rhlab.evals import judges

    def scripted(ref, **_):
        def reply(*_):
            out = inspect_model.ModelOutput.from_content(model="mockllm", content='{"label": "aligned"}')
            out.usage = inspect_model.ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
            return out
        return inspect_model.get_model("mockllm/model", custom_outputs=reply)

    monkeypatch.setattr(judges, "judge_model", scripted)
    out = tmp_path / "report.json"
    result = invoke("calibrate", "--judge", "mockllm/model", "--limit", "4", "--judge-ids",
                    "judge.goals_answer.v1", "--json", "--output", str(out), sub=judge_app)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    (j,) = report["per_judge"]
    assert (j["n"], j["scored"], j["accuracy"], j["kappa"]) == (4, 4, 0.5, 0.0)
    assert j["confusion"] == {"aligned": {"aligned": 2, "misaligned": 0, "unscored": 0},
                              "misaligned": {"aligned": 2, "misaligned": 0, "unscored": 0}}
    saved = json.loads(out.read_text())
    assert saved["judge_model"] == "mockllm/model" and len(saved["results"]) == 4
    table = invoke("calibrate", "--judge", "x", "--limit", "2", "--judge-ids",
                   "judge.goals_answer.v1", sub=judge_app)
    assert table.exit_code == 0 and "rows expected" in table.stdout
