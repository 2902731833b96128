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


def test_demo_replaces_its_table_whole_or_not_at_all(tmp_path, monkeypatch):
    # the table was written in place: a failure half-way (disk full, Ctrl-C) left a part of
    # it under the name of the earlier, complete table
    path = tmp_path / "free_testosterone_demo.csv"
    path.write_text("the earlier table\n")

    def half_then_fail(self, target, **kwargs):
        with open(target, "w") as fh:
            fh.write("total_testosterone_nmol_l,shbg")
        raise OSError("No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    assert main(["demo", "--out", str(tmp_path)]) != 0  # (the error told in one line)
    assert path.read_text() == "the earlier table\n"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


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


# --- issue 10: options the errors refer to, whole reports, plain values, one warning each --


def test_derive_plausibility_warn_says_each_warning_once(tmp_path, capsys):
    """SHBG feeds four formulas and is checked on reading: one line, not four."""
    src = tmp_path / "lab.csv"
    src.write_text("id,total_testosterone,shbg,albumin,estradiol\na,12,2500,43,100\n"
                   "b,15,40,40,200\n")
    assert main(["derive", str(src), "-o", str(tmp_path / "o.csv"),
                 "--plausibility", "warn"]) == 0
    out = capsys.readouterr().out
    assert out.count("shbg: 2500.0") == 1 and "times)" not in out
    assert "derived free_estradiol: 2 of 2 rows" in out


def test_derive_summary_prints_plain_values(tmp_path, capsys):
    src = tmp_path / "lab.csv"
    src.write_text("id,shbg\na,40\nb,41\nc,42\nd,43\ne,oops\n")
    assert main(["derive", str(src), "-o", str(tmp_path / "o.csv"), "--errors", "report"]) == 0
    out = capsys.readouterr().out
    assert "1 cell could not be read and is NaN (first: row 4, column 'shbg', value 'oops')" in out
    assert "np." not in out


def test_derive_refuses_a_method_that_contradicts_the_column_name(tmp_path, capsys):
    src = tmp_path / "lipids.csv"
    src.write_text("id,total_cholesterol,hdl_cholesterol,triglycerides\na,5.2,1.3,1.2\n")
    out = tmp_path / "o.csv"
    assert main(["derive", str(src), "-o", str(out), "--method",
                 "ldl_cholesterol_friedewald=sampson"]) == 1
    err = capsys.readouterr().err
    assert ("ldl_cholesterol_friedewald is computed by Friedewald" in err
            and "ask for ldl_cholesterol_sampson" in err and not out.exists())
    assert main(["derive", str(src), "-o", str(out), "--only", "ldl_cholesterol_sampson"]) == 0
    from labstats.formulas import ldl_cholesterol

    assert pd.read_csv(out)["ldl_cholesterol_sampson"][0] == pytest.approx(
        ldl_cholesterol(5.2, 1.3, 1.2, method="sampson"))


def test_derive_keeps_a_derived_value_already_in_the_file_and_says_so(tmp_path, capsys):
    src = tmp_path / "lab.csv"
    src.write_text("id,total_testosterone,shbg,free_androgen_index\na,10,40,99\n")
    out = tmp_path / "o.csv"
    assert main(["derive", str(src), "-o", str(out)]) == 0
    assert "kept free_androgen_index: already in the file" in capsys.readouterr().out
    assert pd.read_csv(out)["free_androgen_index"][0] == 99


def test_derive_reading_options(tmp_path, capsys):
    # --encoding, --sep, --decimal: a cp1252 file with '|' fields and decimal commas
    src = tmp_path / "lab.txt"
    src.write_bytes("id|Testosterone (nmol/L)|SHBG (nmol/L)|remarque\n"
                    "a|10,0|40|hémolysé\n".encode("cp1252"))
    out = tmp_path / "o.csv"
    assert main(["derive", str(src), "-o", str(out), "--encoding", "cp1252", "--sep", "|",
                 "--decimal", ","]) == 0
    got = pd.read_csv(out)
    assert got["remarque"][0] == "hémolysé" and got["free_androgen_index"][0] == 25.0
    assert main(["derive", str(src), "-o", str(tmp_path / "p.csv"), "--encoding", "cp1252",
                 "--sep", "|", "--decimal", "."]) == 1
    assert "but --decimal ." in capsys.readouterr().err


def test_derive_id_options(tmp_path, capsys):
    src = tmp_path / "lab.csv"
    src.write_text("Lab no,shbg\n7,40\n7,41\n")
    assert main(["derive", str(src), "-o", str(tmp_path / "a.csv"), "--id-column", "Lab no"]) == 1
    assert "column 'Lab no': 2 rows share a participant id" in capsys.readouterr().err
    for flag in (["--id-column", "none"], ["--no-id-check"], []):
        assert main(["derive", str(src), "-o", str(tmp_path / f"o{len(flag)}.csv"), *flag]) == 0


def test_derive_options_take_headers_with_commas(tmp_path, capsys):
    """Headers such as "Testosterone, total (ng/dL)" (a comma inside): --limit and
    --column-map used to split them at the comma ("expected NAME=VALUE, got 'Testosterone'"),
    so the fix advised for an 'ND' cell (--limit 'HEADER=LIMIT') could not be typed."""
    from labstats._cli_derive import _pairs

    assert _pairs(["Testosterone, total (ng/dL)=10,SHBG, free=5", "TT=1"], "--limit") == {
        "Testosterone, total (ng/dL)": "10", "SHBG, free": "5", "TT": "1"}
    assert _pairs([",a=1,,b=2,"], "--units") == {"a": "1", "b": "2"}
    with pytest.raises(ValueError, match=r"--limit: expected NAME=VALUE, got '5'"):
        _pairs(["TT=0,5"], "--limit")
    src = tmp_path / "lab.csv"
    src.write_text("ID;Testosterone, total (ng/dL);Glucose, fasting (mg/dL);SHBG\n"
                   "p1;ND;90;40\np2;300;95;30\n")
    out = tmp_path / "out.csv"
    assert main(["derive", str(src), "-o", str(out), "--limit",
                 "Testosterone, total (ng/dL)=10", "--column-map",
                 "Glucose, fasting (mg/dL)=glucose"]) == 0
    got = pd.read_csv(out)
    assert got["total_testosterone"][0] == pytest.approx(10 / 2 ** 0.5 / 28.842)
    assert got["glucose"].tolist() == pytest.approx([90 / 18.016, 95 / 18.016], rel=1e-3)
    assert main(["derive", str(src), "-o", str(tmp_path / "o2.csv"), "--limit",
                 "Testosterone, total (ng/dL)=ten"]) == 1
    assert ("--limit: 'ten' for 'Testosterone, total (ng/dL)' is not a number"
            in capsys.readouterr().err)


def test_derive_sheet_option(tmp_path):
    src = tmp_path / "lab.xlsx"
    with pd.ExcelWriter(src) as xl:
        pd.DataFrame({"note": ["cover page"]}).to_excel(xl, sheet_name="About", index=False)
        pd.DataFrame({"id": ["a"], "total_testosterone": [10.0], "shbg": [40.0]}).to_excel(
            xl, sheet_name="Results", index=False)
    for sheet in ("Results", "1"):
        out = tmp_path / f"o{sheet}.csv"
        assert main(["derive", str(src), "-o", str(out), "--sheet", sheet]) == 0
        assert pd.read_csv(out)["free_androgen_index"][0] == 25.0


def test_derive_sheet_named_by_digits_is_read_by_name(tmp_path):
    """Sheets named "1" and "2" (batches, years): --sheet 1 is the sheet named "1". It used to
    be taken as the 0-based position 1, and the sheet named "2" was read without a word."""
    src = tmp_path / "lab.xlsx"
    with pd.ExcelWriter(src) as xl:
        for name, tt in (("1", 10.0), ("2", 20.0)):
            pd.DataFrame({"id": [name], "total_testosterone": [tt], "shbg": [40.0]}).to_excel(
                xl, sheet_name=name, index=False)
    for sheet, expected in (("1", "1"), ("2", "2"), ("0", "1")):  # "0": no such name, a position
        out = tmp_path / f"o{sheet}.csv"
        assert main(["derive", str(src), "-o", str(out), "--sheet", sheet]) == 0
        assert pd.read_csv(out, dtype=str)["id"].tolist() == [expected], sheet


def test_derive_to_parquet_refuses_a_column_of_text_and_numbers_by_name(tmp_path, capsys):
    """A workbook's id column of text "001" and a number 2 (both kept as the cells are):
    Parquet holds one type per column. The error names the column, a cell of each type and
    the fix, instead of pyarrow's "Expected bytes, got a 'int' object"; no file is written."""
    src = tmp_path / "lab.xlsx"
    pd.DataFrame({"ID": pd.Series(["001", 2], dtype=object), "total_testosterone": [10.0, 12.0],
                  "shbg": [40.0, 30.0]}).to_excel(src, index=False)
    out = tmp_path / "out.parquet"
    assert main(["derive", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert ("column 'ID' holds text and numbers ('001' at row 0, 2 at row 1); a Parquet "
            "column holds one type: write .csv or .xlsx" in err), err
    assert not out.exists() and not list(tmp_path.glob(".out*"))
    assert main(["derive", str(src), "-o", str(tmp_path / "out.csv")]) == 0
    assert pd.read_csv(tmp_path / "out.csv", dtype=str)["ID"].tolist() == ["001", "2"]


def test_derive_thousands_option_is_checked_by_argparse(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["derive", "x.csv", "-o", str(tmp_path / "o.csv"), "--thousands", "x"])
    assert "use none" in capsys.readouterr().err


def _has_thousands() -> bool:
    import inspect

    from labstats.datasets import read_lab_export

    return "thousands" in inspect.signature(read_lab_export).parameters


@pytest.mark.skipif(not _has_thousands(), reason="read_lab_export has no thousands= yet")
def test_derive_thousands_option(tmp_path):
    src = tmp_path / "lab.csv"
    src.write_text('id,Glucose (mg/dL),Insulin (pmol/L)\na,90,"1,200"\n')
    out = tmp_path / "o.csv"
    assert main(["derive", str(src), "-o", str(out), "--thousands", ","]) == 0
    assert pd.read_csv(out)["insulin"][0] == 1200.0


# --- labstats derive --long: a long export -> one row per draw -> derived values ---------


def _long_export(tmp_path, shape="lis"):
    from labstats.datasets import make_lab_results

    export = make_lab_results(60, seed=9, shape=shape)
    truth, test_map = export.attrs["truth"], export.attrs.get("test_map")
    export.attrs = {}
    src = tmp_path / ("export.csv" if shape == "lis" else "labevents.parquet")
    export.to_csv(src, index=False) if shape == "lis" else export.to_parquet(src, index=False)
    if test_map:
        pd.DataFrame({"code": list(test_map), "analyte": list(test_map.values())}).to_csv(
            tmp_path / "map.csv", index=False)
    return src, truth


@pytest.mark.parametrize("shape", ["lis", "mimic"])
@pytest.mark.parametrize("pair", ["specimen", "window"])
def test_derive_long_does_the_whole_chain(tmp_path, capsys, shape, pair):
    from labstats import free_testosterone

    src, truth = _long_export(tmp_path, shape)
    before = src.read_bytes()
    out, report = tmp_path / "draws.csv", tmp_path / "report.csv"
    argv = ["derive", str(src), "--long", "--pair", pair, "-o", str(out), "--report",
            str(report)] + (["--test-map", str(tmp_path / "map.csv")] if shape == "mimic" else [])
    assert main(argv) == 0
    assert src.read_bytes() == before
    got = pd.read_csv(out)
    truth = truth.sort_values(["patient_id", "collected_at"]).reset_index(drop=True)
    want = free_testosterone(truth["total_testosterone"], truth["shbg"], truth["albumin"])
    pd.testing.assert_series_equal(got["free_testosterone"], want, check_names=False,
                                   rtol=1e-9)
    text = capsys.readouterr().out
    assert "result rows from" in text and f"draws by {'specimen' if pair == 'specimen' else 'time'}" in text
    assert "unknown test codes:" in text and "--test-map FILE" in text
    assert len(pd.read_csv(report)) > 0


def test_derive_long_errors_are_cli_advice(tmp_path, capsys):
    src = tmp_path / "long.csv"
    src.write_text("patient_id,test,value,unit,collected_at\n"
                   "p,2986-8,450,ng/dL,2024-01-02 08:00\np,13967-5,40,nmol/L,02/01/2024\n")
    out = tmp_path / "out.csv"
    assert main(["derive", str(src), "--long", "--pair", "window", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "without collected_at" in err and "--time-format" in err and "--pair specimen" in err
    assert not out.exists()
    assert main(["derive", str(src), "--long", "--pair", "window", "--time-format",
                 "%d/%m/%Y", "-o", str(out)]) == 1  # the first time is now unreadable
    assert main(["derive", str(src), "--long", "-o", str(out)]) == 1
    assert "no column specimen_id" in capsys.readouterr().err
    assert main(["derive", str(src), "--long", "--pair", "window", "--window", "100D",
                 "-o", str(out), "--report", str(out)]) == 1
    assert "same file" in capsys.readouterr().err


def test_derive_long_out_of_core_equals_in_memory(tmp_path, capsys):
    pytest.importorskip("duckdb")
    src, _ = _long_export(tmp_path, "mimic")
    mem, ooc = tmp_path / "mem.parquet", tmp_path / "ooc.parquet"
    base = ["derive", str(src), "--long", "--test-map", str(tmp_path / "map.csv")]
    assert main([*base, "-o", str(mem)]) == 0
    assert main([*base, "--out-of-core", "-o", str(ooc), "--report",
                 str(tmp_path / "report.parquet")]) == 0
    assert "out of core" in capsys.readouterr().out
    assert len(pd.read_parquet(tmp_path / "report.parquet")) > 0
    # out of core, the draws are written batch by batch, in no global order
    key = ["patient_id", "collected_at", "specimen_id"]
    pd.testing.assert_frame_equal(pd.read_parquet(ooc).sort_values(key, ignore_index=True),
                                  pd.read_parquet(mem).sort_values(key, ignore_index=True),
                                  check_dtype=False)
    assert main([*base, "--out-of-core", "-o", str(tmp_path / "x.csv")]) == 1
    assert "writes Parquet" in capsys.readouterr().err
