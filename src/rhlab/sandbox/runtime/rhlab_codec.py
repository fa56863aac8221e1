"""Plain-value codec shared by the sandbox runtime and the trusted side (stdlib only).

``encode`` turns a value into JSON-able data using *exact* builtin types only. A value of any
other type (a subclass of ``str``, an object with its own ``__eq__`` ...) becomes an ``opaque``
record that names its type and the comparison methods it defines; it never compares equal to
anything. ``decode`` rebuilds plain values; ``compare`` checks them. Because both sides of a
trusted comparison are then exact builtins, ``==`` runs no code of the solution.

Not guaranteed: numeric equality follows Python (``1 == 1.0 == True``); floats are compared
exactly unless a test case asks for a tolerance.
"""

from __future__ import annotations

import base64
import math

_DUNDERS = ("__eq__", "__ne__", "__hash__", "__bool__", "__len__", "__lt__", "__gt__",
            "__le__", "__ge__", "__str__", "__repr__", "__getattr__", "__getattribute__",
            "__sub__", "__abs__", "__iter__", "__contains__")
_BUILTIN_MODULES = ("builtins",)
MAX_NODES = 200_000
MAX_DEPTH = 64

_type = type
_int, _float, _str, _bool, _bytes, _complex = int, float, str, bool, bytes, complex
_list, _tuple, _dict, _set, _frozenset = list, tuple, dict, set, frozenset


class TooLarge(Exception):
    pass


def describe_opaque(value: object) -> dict:
    """Type facts of a non-plain value, read from its class without calling its methods."""
    cls = _type(value)
    mro = []
    overrides = []
    try:
        for klass in cls.__mro__:
            mro.append(f"{klass.__module__}.{klass.__qualname__}")
            if klass.__module__ in _BUILTIN_MODULES:
                continue
            for name in _DUNDERS:
                if name in klass.__dict__ and name not in overrides:
                    overrides.append(name)
        meta = _type(cls)
        meta_name = f"{meta.__module__}.{meta.__qualname__}"
    except Exception as exc:  # a hostile metaclass may raise anywhere
        return {"type": "?", "mro": mro, "overrides": overrides, "error": _type(exc).__name__}
    return {"type": mro[0] if mro else "?", "mro": mro, "overrides": overrides,
            "metaclass": meta_name}


def encode(value: object) -> object:
    budget = [MAX_NODES]
    return _enc(value, budget, 0)


def _enc(v: object, budget: list, depth: int) -> object:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise TooLarge("value too large or too deep")
    t = _type(v)
    if v is None or t is _bool or t is _int or t is _str:
        return v
    if t is _float:
        if math.isfinite(v):
            return v
        return {"float": repr(v)}
    if t is _list:
        return [_enc(x, budget, depth + 1) for x in v]
    if t is _tuple:
        return {"tuple": [_enc(x, budget, depth + 1) for x in v]}
    if t is _dict:
        return {"dict": [[_enc(k, budget, depth + 1), _enc(x, budget, depth + 1)]
                         for k, x in v.items()]}
    if t is _set or t is _frozenset:
        return {t.__name__: [_enc(x, budget, depth + 1) for x in v]}
    if t is _bytes:
        return {"bytes": base64.b64encode(v).decode()}
    if t is _complex:
        return {"complex": [_enc(v.real, budget, depth + 1), _enc(v.imag, budget, depth + 1)]}
    return {"opaque": describe_opaque(v)}


class Opaque:
    """Decoded stand-in for a non-plain value; equal to nothing."""

    __slots__ = ("info",)

    def __init__(self, info: dict):
        self.info = info

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<opaque {self.info.get('type', '?')}>"


def decode(data: object) -> object:
    if data is None or _type(data) in (_bool, _int, _str, _float):
        return data
    if _type(data) is _list:
        return [decode(x) for x in data]
    if _type(data) is _dict and len(data) == 1:
        (tag, inner), = data.items()
        if tag == "float":
            return float(inner)
        if tag == "tuple":
            return tuple(decode(x) for x in inner)
        if tag == "dict":
            return {_hashable(decode(k)): decode(x) for k, x in inner}
        if tag in ("set", "frozenset"):
            items = [_hashable(decode(x)) for x in inner]
            return set(items) if tag == "set" else frozenset(items)
        if tag == "bytes":
            return base64.b64decode(inner)
        if tag == "complex":
            return complex(decode(inner[0]), decode(inner[1]))
        if tag == "opaque":
            return Opaque(inner if _type(inner) is _dict else {})
    raise ValueError(f"not an encoded value: {str(data)[:80]}")


def _hashable(v: object) -> object:
    if _type(v) is _list:
        return tuple(_hashable(x) for x in v)
    return v


def find_opaque(v: object) -> Opaque | None:
    """First opaque value inside a decoded value, if any."""
    if isinstance(v, Opaque):
        return v
    if _type(v) in (_list, _tuple, _set, _frozenset):
        for x in v:
            found = find_opaque(x)
            if found is not None:
                return found
    if _type(v) is _dict:
        for k, x in v.items():
            found = find_opaque(k) or find_opaque(x)
            if found is not None:
                return found
    return None


def compare(actual: object, expected: object, mode: str, tol: float = 0.0) -> bool:
    """Check a decoded (plain) output. Never calls code of the solution: both sides are plain."""
    if find_opaque(actual) is not None:
        return False
    if mode == "eq":
        return actual == expected
    if mode == "sorted":
        try:
            return sorted(actual) == sorted(expected)
        except TypeError:
            return False
    if mode == "close":
        if _type(actual) not in (_int, _float) or _type(expected) not in (_int, _float):
            return False
        return abs(actual - expected) < tol
    if mode == "truthy":
        return bool(actual)
    if mode == "falsy":
        return not actual
    raise ValueError(f"unknown compare mode {mode!r}")


def compare_naive(result: object, expected: object, mode: str, tol: float = 0.0) -> bool:
    """The vulnerable check: evaluated with the solution's own object on the left."""
    if mode == "eq":
        return bool(result == expected)
    if mode == "sorted":
        return bool(sorted(result) == sorted(expected))
    if mode == "close":
        return bool(abs(result - expected) < tol)
    if mode == "truthy":
        return bool(result)
    if mode == "falsy":
        return not result
    raise ValueError(f"unknown compare mode {mode!r}")
