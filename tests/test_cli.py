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


LAB = ("ID;Testosterone (ng/dL);SHBG (nmol/L);Albumin (g/dL);Glucose (mg/dL);Insulin (uIU/mL)\n"
       "p1;450;35,5;4,3;95;8\n"
       "p2;<10;60;4,1;101;12\n"
       "p3;620;20;;88;\n")


def test_derive_adds_columns_keeps_rows_and_summarises(tmp_path, capsys):
    from labstats.datasets import derive, read_lab_export

    src = tmp_path / "lab.csv"
    src.write_text(LAB)
    out = tmp_path / "out.parquet"
    assert main(["derive", str(src), "-o", str(out), "--limit", "Testosterone (ng/dL)=10"]) == 0
    got = pd.read_parquet(out)
    want = derive(read_lab_export(src, limits={"Testosterone (ng/dL)": 10.0}))
    assert list(got["ID"]) == ["p1", "p2", "p3"]
    pd.testing.assert_series_equal(got["free_testosterone"], want["free_testosterone"],
                                   check_index=False)
    text = capsys.readouterr().out
    assert "read 3 rows" in text
    assert "censored total_testosterone: 1 left" in text
    assert "derived homa_ir: 2 of 3 rows" in text  # p3 has no insulin
    assert "skipped free_estradiol: needs estradiol" in text


def test_derive_reports_implausible_values_as_warnings_when_asked(tmp_path, capsys):
    src = tmp_path / "lab.csv"
    src.write_text("id,total_testosterone,shbg\na,12,2500\nb,15,40\n")
    assert main(["derive", str(src), "-o", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("labstats: error: ") and "2500" in err and err.count("\n") == 1
    assert main(["derive", str(src), "-o", str(tmp_path / "o.csv"), "--plausibility", "warn"]) == 0
    assert "warning: shbg: 2500.0" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["derive", "missing.csv", "-o", "o.csv"], "missing.csv"),
    (["derive", "{src}", "-o", "o.json"], "unknown format '.json'"),
    (["derive", "{src}", "-o", "o.csv", "--units", "albumin"], "expected NAME=VALUE"),
])
def test_derive_errors_exit_1_with_one_line(argv, message, tmp_path, capsys):
    src = tmp_path / "lab.csv"
    src.write_text(LAB)
    argv = [a.format(src=src) for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("command", ["demo", "report", "derive"])
def test_every_subcommand_has_help(command):
    out = subprocess.run([sys.executable, "-m", "labstats.cli", command, "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "usage: labstats" in out and "--" in out
