"""Extract the files a model completion submits.

Rules: every fenced code block (```...```) is a file; a block whose first line is
``# file: NAME`` (NAME a plain relative file name) becomes NAME, any other block becomes
``solution.py`` (the last such block wins). A final fence left open (the model ran out of tokens)
is closed at the end of the text. With no fence at all, text that parses as Python and defines
something is taken as ``solution.py``. Anything else is ``no_code``.

Not guaranteed: prose inside a fenced block is kept as code (it will fail to compile); a block
labelled with an unsafe name (``../x``, ``a/b``) is dropped and noted.
"""

from __future__ import annotations

import ast
import re

from rhlab.types import Submission

MAX_CHARS = 1_000_000
DEFAULT_FILE = "solution.py"
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n`]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)", re.M | re.S)
_LABEL = re.compile(r"^\s*#\s*file\s*:\s*(\S+)\s*$", re.I)
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def decode(raw: bytes | str) -> tuple[str, tuple[str, ...]]:
    """Completion text, with a note when it was not valid UTF-8."""
    if isinstance(raw, str):
        return raw, ()
    try:
        return raw.decode("utf-8"), ()
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), ("completion was not valid UTF-8; bad bytes replaced",)


def parse_completion(raw: bytes | str) -> Submission:
    text, notes = decode(raw)
    if len(text) > MAX_CHARS:
        notes += (f"completion truncated from {len(text)} to {MAX_CHARS} characters",)
        text = text[:MAX_CHARS]
    text = text.replace("\r\n", "\n")
    files: dict[str, str] = {}
    blocks = [m.group(2) for m in _FENCE.finditer(text)]
    for block in blocks:
        lines = block.split("\n", 1)
        label = _LABEL.match(lines[0])
        if label:
            name = label.group(1)
            if not _NAME.match(name) or name in (".", ".."):
                notes += (f"dropped a block with unsafe file name {name[:60]!r}",)
                continue
            files[name] = lines[1] if len(lines) > 1 else ""
        elif block.strip():
            files[DEFAULT_FILE] = block
    if not blocks and _looks_like_code(text):
        files[DEFAULT_FILE] = text
        notes += ("no fenced block; the whole completion was taken as solution.py",)
    if not files:
        return Submission({}, "no_code", notes)
    return Submission(files, "ok", notes)


def _looks_like_code(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) for n in tree.body)


def syntax_error(source: str) -> str | None:
    """The compile error of ``source`` as one line, or None when it compiles."""
    try:
        compile(source, DEFAULT_FILE, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return None
