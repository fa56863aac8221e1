"""The `report` command through typer's CliRunner: the path on success, a one-line error with
exit code 2 (no traceback) for a directory that is not an experiment."""

import typer
from typer.testing import CliRunner

from rhlab.report.cli import report

app = typer.Typer()
app.command()(report)


def test_not_an_experiment_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(app, [str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "is not an experiment directory" in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # typer.Exit, not a crash


def test_missing_directory(tmp_path):
    result = CliRunner().invoke(app, [str(tmp_path / "nope")])
    assert result.exit_code == 2 and "not an experiment directory" in result.output


def test_prints_the_index_path(complete, tmp_path):
    exp, _ = complete
    result = CliRunner().invoke(app, [str(exp), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tmp_path / "r" / "index.html")
    assert (tmp_path / "r" / "figures" / "mgs.svg").exists()
