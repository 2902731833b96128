"""The command line: ``labstats demo`` writes its table; errors exit non-zero with one line."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from labstats.cli import main


def test_demo_writes_csv_with_the_issam_example_first(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "free_testosterone_demo.csv")
    # ISSAM worked example (issam.ch/freetesuit.html): 1.74 % free, FT 0.17388 nmol/L
    assert table.loc[0, "free_t_vermeulen1999_percent"] == pytest.approx(1.7388, abs=5e-5)
    assert "ISSAM" in capsys.readouterr().out


def test_help_lists_subcommands():
    out = subprocess.run([sys.executable, "-m", "labstats.cli", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "demo" in out


def test_unknown_subcommand_exits_non_zero():
    res = subprocess.run([sys.executable, "-m", "labstats.cli", "nope"], capture_output=True,
                         text=True)
    assert res.returncode != 0 and "invalid choice" in res.stderr
