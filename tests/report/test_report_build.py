"""write_report on synthetic experiments: the files, what is missing, the tables and their rule,
the escaping of model text, figures with missing data, the caps."""

import json
import re
from pathlib import Path

import factory
import pytest

from rhlab.experiments.layout import EXPERIMENT, write_json
from rhlab.experiments.store import Store
from rhlab.report import browser, figures, frames, tables, write_report

FIGURES = ("hack_rate", "mgs", "final_evals", "covert_overt", "chat_agentic")


def payload(index: Path) -> dict:
    text = (index.parent / "data.js").read_text()
    assert text.startswith("window.RHLAB_DATA = ") and text.endswith(";\n")
    return json.loads(text.removeprefix("window.RHLAB_DATA = ").removesuffix(";\n"))


def load_frames(exp: Path) -> frames.Frames:
    with Store.open(exp) as store:
        return frames.load(store, "synthetic")


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_files_and_figures(complete):
    exp, index = complete
    assert index == exp / "report" / "index.html"
    for name in ("index.html", "data.js", "app.js", "style.css"):
        assert (index.parent / name).stat().st_size > 0
    for name in FIGURES:
        png, svg = index.parent / "figures" / f"{name}.png", index.parent / "figures" / f"{name}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in svg.read_text()[:2000]
        assert f'src="figures/{name}.png"' in index.read_text()


def test_self_contained_no_network(complete):
    _, index = complete
    html = index.read_text()
    for name in ("index.html", "app.js", "style.css", "data.js"):
        text = (index.parent / name).read_text()
        assert not re.search(r"https?://|//cdn|fetch\(|XMLHttpRequest|innerHTML", text), name
    assert re.findall(r'<script src="([^"]+)"', html) == ["data.js", "app.js"]
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert "Content-Security-Policy" in html


def test_complete_experiment_has_nothing_missing_but_unscored_eval(complete):
    _, index = complete
    html = index.read_text()
    section = html.split('id="missing"')[1].split('id="cells"')[0]
    ids = factory.cell_ids()
    assert f"{ids['dont_none']} step 6: goals has no rate (2 of 2 scored samples unscored)" in section
    assert "not started" not in section and "failed" not in section
    for cid in ids.values():
        assert cid in html


def test_missing_and_failed_cells_are_named(broken):
    _, index = broken
    html = index.read_text()
    section = html.split('id="missing"')[1].split('id="cells"')[0]
    ids = factory.cell_ids(missing=True)
    assert f"{ids['missing']}: not started (no training files), 0/6 steps" in section
    assert f"{ids['missing']}: no evaluation of step 3, 6" in section
    assert f"{ids['okay_penalty']}: failed, 2/6 steps; error: training exited with code 137:" in section
    assert "<b>oom</b>" not in html and "Killed &lt;b&gt;oom&lt;/b&gt;" in html  # the full error, escaped
    assert 'class="status-failed">failed<' in html and 'class="status-pending">pending<' in html


def test_cell_summary_numbers(complete):
    exp, _ = complete
    ids = factory.cell_ids()
    rows = {r["id"]: r for r in tables.cell_rows(load_frames(exp))}
    okay = rows[ids["okay_none"]]
    assert (okay["status"], okay["steps"], okay["onset"]) == ("done", "6/6", "3")
    assert okay["hack"] == "75.0%"  # (2 + 3 + 4) / 4 / 3
    assert okay["mgs"].endswith("@ step 6") and not okay["mgs"].startswith("–")
    assert rows[ids["dont_none"]]["mgs"] == "– @ step 6 (missing: goals)"
    assert rows[ids["okay_penalty"]]["onset"] == "–"


def test_mitigation_rule():
    assert tables.prevented(0.0, 0.5) == "yes"
    assert tables.prevented(0.04, 0.07) == "no"  # below 5% but more than half the baseline
    assert tables.prevented(0.1, 0.8) == "no"  # less than half but not below 5%
    assert tables.prevented(0.0, 0.01) == "n/a (baseline < 5%)"
    assert tables.prevented(None, 0.5) == "no data"
    assert tables.prevented(0.0, None, has_baseline=False) == "no baseline"
    assert tables.prevented(0.0, 0.5, complete=False) == "incomplete"


def test_mitigation_table(complete, broken):
    rows = {(r.variant, r.mitigation): r for r in tables.mitigation_rows(load_frames(complete[0]))}
    penalty = rows[("hacking_okay", "penalty")]
    assert (penalty.hacking_prevented, penalty.misalignment_prevented) == ("yes", "yes")
    assert penalty.hack == 0.0 and penalty.mgs == 0.0
    assert rows[("hacking_okay", "none")].hacking_prevented == "baseline"
    assert set(rows) == {("hacking_okay", "none"), ("hacking_okay", "penalty"), ("dont_hack", "none")}
    rows = {(r.variant, r.mitigation): r for r in tables.mitigation_rows(load_frames(broken[0]))}
    assert rows[("hacking_okay", "penalty")].hacking_prevented == "incomplete"  # failed at step 2
    assert rows[("dont_hack", "penalty")].misalignment_prevented == "incomplete"
    assert "at most 50% of its baseline" in complete[1].read_text()


def test_model_text_is_escaped(complete):
    _, index = complete
    raw = (index.parent / "data.js").read_text()
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = payload(index)
    adversarial = [e for e in data["episodes"] if factory.ADVERSARIAL in e["completion"]]
    assert len(adversarial) == 1 and ["notes.md", factory.ADVERSARIAL] in adversarial[0]["files"]
    assert any(factory.ADVERSARIAL_EVAL in s["answer"] for s in data["samples"])
    assert factory.ADVERSARIAL not in index.read_text()


def test_payload_contents(complete):
    _, index = complete
    data = payload(index)
    ids = factory.cell_ids()
    assert len(data["episodes"]) == 3 * 6 * factory.EPISODES_PER_STEP
    assert data["caps"]["episodes"]["capped"] == [] and data["caps"]["samples"]["capped"] == []
    assert data["cells"][0] == {"id": "base", "label": "base model"}
    e = next(e for e in data["episodes"] if e["cell"] == ids["okay_none"] and e["hack"] == "successful")
    assert e["kinds"] and e["evidence"] and e["vulnerable"]["passed"] is True
    assert e["vulnerable"]["text"].startswith("passed (")
    labels = {s["label"] for s in data["samples"]}
    assert labels == {"misaligned", "aligned", "unscored"}


def test_figures_cope_with_missing_data(tmp_path, complete):
    exp = factory.build_experiment(tmp_path / "exp", None, only=("okay_none",))
    index = write_report(exp, tmp_path / "out")
    assert index == tmp_path / "out" / "index.html"
    for name in FIGURES:
        assert (tmp_path / "out" / "figures" / f"{name}.png").exists()
    f = load_frames(exp)
    for draw in (figures.mgs, figures.final_evals, figures.covert_overt, figures.chat_agentic):
        assert any(t.startswith("no data") for t in texts(draw(f))), draw.__name__
    assert not any(t.startswith("no data") for t in texts(figures.hack_rate(f)))
    assert "n/a" in texts(figures.final_evals(load_frames(complete[0])))  # goals: every sample unscored


def test_experiment_without_cells(tmp_path):
    write_json(tmp_path / EXPERIMENT, {"schema_version": 1, "name": "empty", "created_at": 0,
                                       "config": {"evals": {"evals": ["mgs"]}}, "cells": []})
    html = write_report(tmp_path).read_text()
    assert "No cells in the store" in html
    assert (tmp_path / "report" / "figures" / "hack_rate.png").exists()


def test_caps(tmp_path):
    exp = factory.build_experiment(tmp_path / "exp", None, only=("okay_none",), episodes_per_step=12)
    index = write_report(exp, episodes_per_step=5)
    caps = payload(index)["caps"]["episodes"]
    assert (caps["total"], caps["embedded"], caps["per_step"]) == (72, 30, 5)
    assert len(caps["capped"]) == 6
    assert browser.cut("x" * 30, 10).startswith("x" * 10 + "\n… [20 more characters")


def test_not_an_experiment(tmp_path):
    from rhlab.report.build import ReportError

    with pytest.raises(ReportError, match="not an experiment directory"):
        write_report(tmp_path)


def test_several_seeds(tmp_path, eval_logs):
    exp = factory.build_experiment(tmp_path / "exp", eval_logs, seeds=(0, 1))
    index = write_report(exp)
    f = load_frames(exp)
    rows = {(r.variant, r.mitigation): r for r in tables.mitigation_rows(f)}
    penalty = rows[("hacking_okay", "penalty")]
    assert len(penalty.cells) == 2
    assert penalty.hacking_prevented == "yes in 1 of 2 seeds"  # seed 1 still hacks 25%
    assert penalty.misalignment_prevented == "yes"
    assert penalty.hack == pytest.approx(0.125)
    legend = [t.get_text() for t in figures.hack_rate(f).axes[0].get_legend().get_texts()]
    assert "hacking_okay / none: mean of 2 seeds" in legend
    assert "yes in 1 of 2 seeds" in index.read_text()


def test_errored_eval_samples_are_reported(tmp_path, eval_logs):
    exp = factory.build_experiment(tmp_path / "exp", eval_logs, only=("okay_penalty",), base=False)
    summary_path = next(exp.glob("cells/*/evals/step-6/summary.json"))
    summary = json.loads(summary_path.read_text())
    summary["evals"]["betley"].update(errors=3, error_messages=["RuntimeError: <boom>\ntraceback"])
    summary_path.write_text(json.dumps(summary))
    html = write_report(exp).read_text()
    assert "step 6: betley: 3 samples failed with an error (RuntimeError: &lt;boom&gt;)" in html
