"""Basic behaviour of the sandbox on both paths (cold ``run_job``, warm ``SandboxPool``)."""

from __future__ import annotations

import time

import pytest
from sandbox_helpers import exec_job, run, timed


@pytest.mark.parametrize("code", [0, 1, 3, 42, 255])
def test_exit_code_propagates(runner, code):
    r = run(runner, f"import sys\nsys.exit({code})")
    assert (r.exit_code, r.signal, r.timed_out, r.error) == (code, None, False, None)


def test_exit_by_falling_off_the_end_is_zero(runner):
    r = run(runner, "x = 1")
    assert (r.exit_code, r.stdout, r.stderr, r.error) == (0, "", "", None)


def test_stdout_and_stderr_are_captured_separately(runner):
    r = run(runner, "import sys\nprint('to out')\nprint('to err', file=sys.stderr)\n"
                    "sys.stdout.write('no newline')")
    assert r.stdout == "to out\nno newline"
    assert r.stderr == "to err\n"
    assert not r.stdout_truncated and not r.stderr_truncated


def test_unicode_output_round_trips(runner):
    r = run(runner, "print('héllo → 世界 ✓')")
    assert r.stdout == "héllo → 世界 ✓\n"


def test_argv_and_files_are_visible(runner):
    r = run(runner, "import sys, helper\nprint(sys.argv[1:], helper.VALUE, open('data.txt').read())",
            "a", "b c", files={"helper.py": "VALUE = 7\n", "data.txt": "payload"})
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "['a', 'b c'] 7 payload\n"


def test_duration_is_measured(runner):
    start = time.monotonic()
    r = run(runner, "import time\ntime.sleep(0.3)", timeout=5.0)
    wall = time.monotonic() - start
    assert r.exit_code == 0
    assert 0.3 <= r.duration_s <= wall + 0.01


def test_fast_job_is_not_timed_out(runner):
    r = run(runner, "print('quick')", timeout=5.0)
    assert not r.timed_out and r.exit_code == 0 and r.duration_s < 5.0


def test_timeout_flag(runner):
    r, wall = timed(runner, exec_job("import time\nprint('started', flush=True)\ntime.sleep(60)",
                                     timeout=1.0))
    assert r.timed_out and r.exit_code is None
    assert wall >= 1.0
    assert r.stdout == "started\n"  # what was written before the kill is kept


def test_raising_file_exits_1_with_traceback(runner):
    r = run(runner, "def f():\n    return 1 / 0\n\nf()\n")
    assert (r.exit_code, r.signal, r.timed_out) == (1, None, False)
    assert "Traceback (most recent call last)" in r.stderr
    assert "ZeroDivisionError: division by zero" in r.stderr
    assert "main.py" in r.stderr and "return 1 / 0" in r.stderr


def test_syntax_error_exits_1(runner):
    r = run(runner, "def broken(:\n")
    assert r.exit_code == 1 and "SyntaxError" in r.stderr


def test_system_exit_with_message_exits_1(runner):
    r = run(runner, "raise SystemExit('bye')")
    assert r.exit_code == 1 and "bye" in r.stderr


def test_name_is_main(runner):
    r = run(runner, "if __name__ == '__main__':\n    print('main')")
    assert r.stdout == "main\n"


def test_stdin_is_empty(runner):
    r = run(runner, "import sys\nprint(repr(sys.stdin.read()))")
    assert r.stdout == "''\n"


@pytest.mark.parametrize("sig", [6, 11])
def test_signal_death_is_reported_as_a_signal_on_both_paths(runner, sig):
    r = run(runner, f"import os\nos.kill(os.getpid(), {sig})")
    assert (r.exit_code, r.signal, r.timed_out) == (None, sig, False)


def test_exit_status_above_128_is_an_exit_code(runner):
    r = run(runner, "import sys\nsys.exit(139)")
    assert (r.exit_code, r.signal) == (139, None)
