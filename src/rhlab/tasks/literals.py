"""Evaluate test-case expressions from task data without running arbitrary code.

Accepts literals, containers, unary/binary arithmetic on them and a few pure builtins
(``float('inf')``, ``tuple([...])``, ``set()`` ...). Anything else raises ``NotLiteral``.
"""

from __future__ import annotations

import ast
import math
import operator

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_CALLS = {"float": float, "int": int, "str": str, "tuple": tuple, "list": list, "set": set,
          "frozenset": frozenset, "dict": dict, "abs": abs}
_NAMES = {"True": True, "False": False, "None": None, "inf": math.inf}
MAX_POW = 1000
MAX_REPEAT = 100_000


class NotLiteral(ValueError):
    pass


def evaluate(node: ast.AST) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = [evaluate(e) for e in node.elts]
        return {ast.List: list, ast.Tuple: tuple, ast.Set: set}[type(node)](items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise NotLiteral("dict unpacking")
        return {evaluate(k): evaluate(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = evaluate(node.left), evaluate(node.right)
        if isinstance(node.op, ast.Pow) and isinstance(right, (int, float)) and abs(right) > MAX_POW:
            raise NotLiteral("power too large")
        if isinstance(node.op, ast.Mult) and any(isinstance(x, int) and x > MAX_REPEAT
                                                 for x in (left, right)) \
                and any(isinstance(x, (str, list, tuple)) for x in (left, right)):
            raise NotLiteral("repetition too large")
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS
            and not node.keywords):
        return _CALLS[node.func.id](*[evaluate(a) for a in node.args])
    raise NotLiteral(ast.unparse(node)[:80])


def evaluate_source(text: str) -> object:
    try:
        return evaluate(ast.parse(text.strip(), mode="eval").body)
    except SyntaxError as exc:
        raise NotLiteral(f"syntax: {exc.msg}") from exc
