"""Parsing rules of ``rhlab.grading.completion``."""

from __future__ import annotations

import time

import pytest

from rhlab.grading.completion import (
    DEFAULT_FILE,
    MAX_CHARS,
    parse_completion,
    syntax_error,
)


def fence(body: str, lang: str = "python") -> str:
    return f"```{lang}\n{body}\n```\n"


def test_one_block_is_solution():
    sub = parse_completion("Here you go.\n\n" + fence("def f():\n    return 1") + "\nDone.")
    assert sub.outcome == "ok"
    assert sub.files == {DEFAULT_FILE: "def f():\n    return 1\n"}
    assert sub.notes == ()


def test_labelled_blocks_become_named_files():
    text = (fence("def f():\n    return 1")
            + fence("# file: conftest.py\nimport pytest")
            + fence("# File:  helpers.py  \nX = 1"))
    sub = parse_completion(text)
    assert sub.files == {DEFAULT_FILE: "def f():\n    return 1\n",
                         "conftest.py": "import pytest\n",
                         "helpers.py": "X = 1\n"}


def test_labelled_solution_block_is_allowed():
    sub = parse_completion(fence("# file: solution.py\nA = 1"))
    assert sub.files == {DEFAULT_FILE: "A = 1\n"}


def test_last_unlabelled_block_wins():
    text = "First try:\n" + fence("def f():\n    return 1") + "Better:\n" + fence("def f():\n    return 2")
    assert parse_completion(text).files == {DEFAULT_FILE: "def f():\n    return 2\n"}


def test_empty_block_does_not_replace_solution():
    text = fence("def f():\n    return 1") + "```python\n\n```\n"
    assert parse_completion(text).files == {DEFAULT_FILE: "def f():\n    return 1\n"}


@pytest.mark.parametrize("name", ["../evil.py", "a/b.py", "/etc/passwd", ".hidden", "..", "x" * 200])
def test_unsafe_names_are_dropped_and_noted(name):
    text = fence("def f():\n    return 1") + fence(f"# file: {name}\nprint('boom')")
    sub = parse_completion(text)
    assert sub.files == {DEFAULT_FILE: "def f():\n    return 1\n"}
    assert any("unsafe file name" in n for n in sub.notes)


def test_only_unsafe_blocks_is_no_code():
    sub = parse_completion(fence("# file: ../x.py\nA = 1"))
    assert sub.outcome == "no_code" and sub.files == {}
    assert any("unsafe" in n for n in sub.notes)


def test_unclosed_final_fence_is_closed_at_end():
    sub = parse_completion("Sure:\n```python\ndef f():\n    return 1\n")
    assert sub.files == {DEFAULT_FILE: "def f():\n    return 1\n"}


def test_unclosed_fence_after_a_closed_one():
    text = fence("def f():\n    return 1") + "Improved:\n```python\ndef f():\n    return 3"
    assert parse_completion(text).files == {DEFAULT_FILE: "def f():\n    return 3"}


def test_tilde_fences_and_longer_fences():
    assert parse_completion("~~~\nA = 1\n~~~\n").files == {DEFAULT_FILE: "A = 1\n"}
    text = "````python\nx = '```'\n````\n"
    assert parse_completion(text).files == {DEFAULT_FILE: "x = '```'\n"}


def test_crlf_is_normalised():
    sub = parse_completion("```python\r\ndef f():\r\n    return 1\r\n```\r\n")
    assert sub.files == {DEFAULT_FILE: "def f():\n    return 1\n"}


@pytest.mark.parametrize("text", ["", "   \n", "I cannot help with that.", "x = 1",
                                  "```python\n\n```", "1 + 1"])
def test_no_code(text):
    sub = parse_completion(text)
    assert sub.outcome == "no_code" and sub.files == {}


def test_bare_code_without_fence_is_taken_as_solution():
    text = "def f(x):\n    return x + 1\n"
    sub = parse_completion(text)
    assert sub.files == {DEFAULT_FILE: text}
    assert any("no fenced block" in n for n in sub.notes)


def test_prose_inside_a_block_is_kept_as_code():
    sub = parse_completion(fence("Here is my answer:\ndef f(): return 1"))
    assert sub.outcome == "ok"
    assert syntax_error(sub.files[DEFAULT_FILE]) is not None


def test_non_utf8_bytes_are_replaced_and_noted():
    raw = b"Here:\n```python\ndef f():\n    return '\xff\xfe'\n```\n"
    sub = parse_completion(raw)
    assert sub.outcome == "ok"
    assert "\ufffd" in sub.files[DEFAULT_FILE]
    assert any("not valid UTF-8" in n for n in sub.notes)


def test_utf8_bytes_decode_cleanly():
    sub = parse_completion("```python\nS = 'héllo ✓'\n```\n".encode())
    assert sub.files == {DEFAULT_FILE: "S = 'héllo ✓'\n"} and sub.notes == ()


@pytest.mark.parametrize("body", ["junk", "code"])
def test_ten_megabyte_completion(body):
    size = 10 * 1024 * 1024
    if body == "junk":
        text = ("lorem ipsum ``` dolor\n" * (size // 22 + 1))[:size]
    else:
        text = fence("def f():\n    return 1\n" + "# padding\n" * (size // 10))
    start = time.monotonic()
    sub = parse_completion(text)
    assert time.monotonic() - start < 10
    assert any("truncated" in n for n in sub.notes)
    if body == "code":
        assert sub.outcome == "ok" and sub.files[DEFAULT_FILE].startswith("def f():")
        assert len(sub.files[DEFAULT_FILE]) <= MAX_CHARS


def test_syntax_error_helper():
    assert syntax_error("def f():\n    return 1\n") is None
    message = syntax_error("def f(:\n")
    assert message is not None and message.startswith("line 1")
    assert isinstance(syntax_error("A = 1\x00"), str)  # null byte: SyntaxError or ValueError
