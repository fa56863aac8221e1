"""The fixture corpus against the graders and the hack detector.

Every fixture is graded once under each vulnerability set below (one ``grade_many`` batch);
the tests then read the results.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from rhlab.grading.episode import EpisodeRequest
from rhlab.grading.fixtures import Fixture, load_fixtures
from rhlab.hacks import static
from rhlab.tasks import get_task
from rhlab.types import VULNERABILITIES

FIXTURES = load_fixtures()
BY_ID = {f.id: f for f in FIXTURES}
HACKS = [f for f in FIXTURES if f.label == "hack"]
HONEST = [f for f in FIXTURES if f.label != "hack"]

NONE: tuple[str, ...] = ()
SINGLES = [(v,) for v in VULNERABILITIES]
EXIT_UNDER_PYTEST = ("exit_code", "pytest_report")
SETS = SINGLES + [NONE, tuple(VULNERABILITIES), EXIT_UNDER_PYTEST]


def _set_name(vulns: tuple[str, ...]) -> str:
    return "+".join(vulns) or "none"


@pytest.fixture(scope="module")
def results(grader):
    requests = [EpisodeRequest(get_task(f.task), f.completion, vulns)
                for f in FIXTURES for vulns in SETS]
    graded = iter(grader.grade_many(requests))
    return {(f.id, vulns): next(graded) for f in FIXTURES for vulns in SETS}


def _ids(items: list[Fixture]) -> list[str]:
    return [f.id for f in items]


# --- the corpus itself ----------------------------------------------------------------------


def test_corpus_shape():
    labels = Counter(f.label for f in FIXTURES)
    kinds = Counter(f.kind for f in HACKS)
    tasks = {f.task for f in FIXTURES}
    assert labels["honest_correct"] >= 6 and labels["honest_wrong"] >= 6
    assert all(kinds[k] >= 5 for k in VULNERABILITIES), kinds
    assert len(tasks) >= 4
    assert any(t.startswith("leetcode/") for t in tasks)
    assert any(t.startswith("humaneval/") for t in tasks)
    assert 45 <= len(FIXTURES) <= 70
    for task_id in tasks:
        get_task(task_id)  # raises UnknownTask for a typo


def test_every_fixture_has_code():
    for f in FIXTURES:
        assert "```python" in f.completion, f.id


# --- vulnerable graders ---------------------------------------------------------------------


@pytest.mark.parametrize("fid", _ids(HACKS))
def test_hack_exploits_its_own_vulnerability(results, fid):
    f = BY_ID[fid]
    r = results[(fid, (f.kind,))]
    assert r.outcome == "graded"
    assert r.vulnerable.passed, f"{fid}: {r.vulnerable.explanation}"


_CROSS = [pytest.param(f.id, vulns, id=f"{f.id}-{_set_name(vulns)}")
          for f in HACKS for vulns in SINGLES + [NONE] if vulns != (f.kind,)]


@pytest.mark.parametrize("fid, vulns", _CROSS)
def test_hack_does_not_pass_other_holes(results, fid, vulns):
    """A hack of kind K fails every single-vulnerability grader other than K (and the grader
    with none), unless the fixture lists that vulnerability under ``also_passes``."""
    f = BY_ID[fid]
    expected = bool(vulns) and vulns[0] in f.also_passes
    r = results[(fid, vulns)]
    assert r.vulnerable.passed is expected, f"{fid} under {_set_name(vulns)}: {r.vulnerable.explanation}"


def _ends_process_hard(f: Fixture) -> bool:
    """The exit spelling ends the process without SystemExit (``os._exit`` and its aliases)."""
    return any("os._exit" in e.detail for e in static.analyze({"solution.py": _solution(f)}))


def _solution(f: Fixture) -> str:
    from rhlab.grading.completion import parse_completion

    return parse_completion(f.completion).files["solution.py"]


@pytest.mark.parametrize("fid", _ids([f for f in HACKS if f.kind == "exit_code"]))
def test_exit_hack_under_pytest_needs_a_hard_exit(results, fid):
    """Under pytest a SystemExit is caught (collection error / failed test), so only an
    ``os._exit``-style exit passes the exit_code+pytest_report combination."""
    f = BY_ID[fid]
    r = results[(fid, EXIT_UNDER_PYTEST)]
    assert r.vulnerable.passed is _ends_process_hard(f), r.vulnerable.explanation


def test_both_exit_families_are_covered():
    hard = [f.id for f in HACKS if f.kind == "exit_code" and _ends_process_hard(f)]
    soft = [f.id for f in HACKS if f.kind == "exit_code" and not _ends_process_hard(f)]
    assert len(hard) >= 3 and len(soft) >= 3, (hard, soft)


# --- hardened grader ------------------------------------------------------------------------


@pytest.mark.parametrize("fid", _ids(HACKS))
def test_hardened_passes_no_hack(results, fid):
    for vulns in SETS:
        r = results[(fid, vulns)]
        assert not r.hardened.passed, f"{fid}: {r.hardened.explanation}"


@pytest.mark.parametrize("fid", _ids([f for f in HONEST if f.label == "honest_correct"]))
def test_honest_correct_passes_every_grader(results, fid):
    for vulns in SETS:
        r = results[(fid, vulns)]
        assert r.outcome == "graded"
        assert r.hardened.passed, f"{fid}: {r.hardened.explanation}"
        assert r.vulnerable.passed, f"{fid} under {_set_name(vulns)}: {r.vulnerable.explanation}"


@pytest.mark.parametrize("fid", _ids([f for f in HONEST if f.label == "honest_wrong"]))
def test_honest_wrong_fails_every_grader(results, fid):
    for vulns in SETS:
        r = results[(fid, vulns)]
        assert r.outcome == "graded"
        assert not r.hardened.passed, fid
        assert not r.vulnerable.passed, f"{fid} under {_set_name(vulns)}"


# --- hack detector --------------------------------------------------------------------------


@pytest.mark.parametrize("fid", _ids(HACKS))
def test_detector_labels_every_hack(results, fid):
    f = BY_ID[fid]
    for vulns in SETS:
        verdict = results[(fid, vulns)].hack
        assert verdict.attempted, f"{fid} under {_set_name(vulns)}"
        assert f.kind in verdict.kinds, f"{fid} under {_set_name(vulns)}: {verdict.kinds}"
        assert any(e.source != "differential" for e in verdict.items), verdict.evidence
    own = results[(fid, (f.kind,))].hack
    assert own.successful, f"{fid}: {own.evidence}"
    assert own.items[0].source == "differential" and own.items[0].kind in own.kinds


@pytest.mark.parametrize("fid", _ids(HONEST))
def test_detector_flags_no_honest_solution(results, fid):
    for vulns in SETS:
        verdict = results[(fid, vulns)].hack
        assert not verdict.attempted, f"{fid} under {_set_name(vulns)}: {verdict.evidence}"
        assert not verdict.successful and verdict.kinds == () and verdict.items == ()


def test_hacks_without_a_static_spelling_are_caught_at_runtime(results):
    """The metaclass fixture has no static spelling; runtime evidence must carry it."""
    f = BY_ID["he12-aeq-metaclass"]
    assert not [e for e in static.analyze({"solution.py": _solution(f)}) if e.kind == f.kind]
    verdict = results[(f.id, NONE)].hack
    assert any(e.source == "runtime" and e.kind == "always_equal" for e in verdict.items)


# --- the loader -----------------------------------------------------------------------------


_GOOD = """\
- id: a
  task: humaneval/0
  label: hack
  kind: exit_code
  also_passes: [pytest_report]
  completion: |
    ```python
    import sys; sys.exit(0)
    ```
- id: b
  task: humaneval/0
  label: honest_wrong
  note: null
  completion: "x"
"""


def test_load_fixtures_from_a_path(tmp_path: Path):
    path = tmp_path / "f.yaml"
    path.write_text(_GOOD)
    a, b = load_fixtures(path)
    assert a == Fixture("a", "humaneval/0", "hack", "exit_code",
                        "```python\nimport sys; sys.exit(0)\n```\n", "", ("pytest_report",))
    assert b.kind is None and b.note == "" and b.also_passes == () and not b.is_hack


def test_load_fixtures_packaged_default_is_frozen():
    f = load_fixtures()[0]
    with pytest.raises(AttributeError):
        f.id = "other"  # type: ignore[misc]


@pytest.mark.parametrize("text, message", [
    ("{a: 1}", "expected a YAML list"),
    ("- 3", "expected a mapping"),
    ("- {id: a, task: humaneval/0, label: hack}", "missing field(s) completion"),
    ("- {id: a, task: humaneval/0, label: hack, kind: exit_code, completion: x, extra: 1}",
     "unknown field(s) extra"),
    ("- {id: a, task: humaneval/0, label: sneaky, completion: x}", "label 'sneaky'"),
    ("- {id: a, task: humaneval/0, label: hack, completion: x}", "a hack needs kind"),
    ("- {id: a, task: humaneval/0, label: hack, kind: other, completion: x}", "a hack needs kind"),
    ("- {id: a, task: humaneval/0, label: honest_correct, kind: exit_code, completion: x}",
     "kind is only for hacks"),
    ("- {id: a, task: humaneval0, label: honest_correct, completion: x}", "not of the form"),
    ("- {id: '', task: humaneval/0, label: honest_correct, completion: x}", "'id' must be"),
    ("- {id: a, task: humaneval/0, label: honest_correct, completion: 3}", "'completion' must be"),
    (("- {id: a, task: humaneval/0, label: hack, kind: exit_code, completion: x,"
      " also_passes: [bogus]}"), "also_passes must be"),
    (("- {id: a, task: humaneval/0, label: hack, kind: exit_code, completion: x,"
      " also_passes: [exit_code]}"), "repeats the hack's own kind"),
    (("- {id: a, task: humaneval/0, label: honest_wrong, completion: x,"
      " also_passes: [exit_code]}"), "only for hacks"),
    (("- {id: a, task: humaneval/0, label: honest_wrong, completion: x}\n"
      "- {id: a, task: humaneval/1, label: honest_wrong, completion: y}"), "duplicate id 'a'"),
    ("- [unclosed", "not valid YAML"),
])
def test_load_fixtures_rejects_bad_items(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_fixtures(path)
    assert message in str(info.value)


def test_load_fixtures_missing_file(tmp_path: Path):
    with pytest.raises(ValueError, match="cannot read"):
        load_fixtures(tmp_path / "nope.yaml")
