"""``labstats derive`` never loses a user's file, and its errors speak in CLI options (issue 10).

* The input is never written to: not as ``-o`` (by path, symbolic or hard link), not by any
  option, not by a failing run (SHA-256 before and after, one case per option).
* An existing output is replaced only with ``--overwrite``, atomically: a writer that fails
  half-way (or Ctrl-C) leaves the old output intact and no temporary file.
* Library advice given as Python keywords (``encoding='cp1252'``) is shown as the CLI
  option (``--encoding cp1252``); each translation is checked on the library's real text.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from labstats._cli_derive import KEYWORD_OPTIONS, add_derive_parser, cli_advice
from labstats.cli import main
from labstats.datasets import derive, read_lab_export

LAB = ("ID;Testosterone (ng/dL);SHBG (nmol/L);Albumin (g/dL);Glucose (mg/dL);Insulin (uIU/mL)\n"
       "p1;450;35,5;4,3;95;8\n"
       "p2;<10;60;4,1;101;12\n"
       "p3;620;20;;88;\n")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def lab(tmp_path):
    src = tmp_path / "lab.csv"
    src.write_text(LAB)
    return src


# --- the input file is never written ------------------------------------------------------

# One case per option of `labstats derive` (and failing runs): argv after "derive INPUT".
# "{out}" is a fresh output, "{src}" the input; a case may fail, the input must not change.
OPTION_CASES = {
    "defaults": ["-o", "{out}"],
    "--output": ["--output", "{out}"],
    "--overwrite": ["-o", "{old}", "--overwrite"],
    "--column-map": ["-o", "{out}", "--column-map", "Glucose (mg/dL)=glucose"],
    "--units": ["-o", "{out}", "--units", "glucose=mg/dL"],  # conflicts with header: fails
    "--censored": ["-o", "{out}", "--censored", "lod"],
    "--limit": ["-o", "{out}", "--limit", "Testosterone (ng/dL)=10"],
    "--only": ["-o", "{out}", "--only", "free_androgen_index"],
    "--method": ["-o", "{out}", "--method", "free_testosterone=sodergard1982"],
    "--method contradicting": ["-o", "{out}", "--method", "ldl_cholesterol_friedewald=sampson"],
    "--plausibility": ["-o", "{out}", "--plausibility", "warn"],
    "--errors": ["-o", "{out}", "--errors", "report"],
    "--encoding": ["-o", "{out}", "--encoding", "latin-1"],
    "--sep": ["-o", "{out}", "--sep", ";"],
    "--sep wrong": ["-o", "{out}", "--sep", ","],
    "--decimal": ["-o", "{out}", "--decimal", ","],
    "--decimal wrong": ["-o", "{out}", "--decimal", "."],
    "--thousands": ["-o", "{out}", "--thousands", "."],
    "--id-column": ["-o", "{out}", "--id-column", "ID"],
    "--id-column none": ["-o", "{out}", "--id-column", "none"],
    "--no-id-check": ["-o", "{out}", "--no-id-check"],
    "--sheet": ["-o", "{out}", "--sheet", "0"],
    "output is the input": ["-o", "{src}"],
    "output is the input, --overwrite": ["-o", "{src}", "--overwrite"],
    "output is the input by another path": ["-o", "{tmp}/sub/../lab.csv", "--overwrite"],
    "output is a symlink to the input": ["-o", "{link}", "--overwrite"],
    "output is a hard link of the input": ["-o", "{hard}", "--overwrite"],
    "existing output without --overwrite": ["-o", "{old}"],
    "unknown output format": ["-o", "{tmp}/o.json"],
    "missing output folder": ["-o", "{tmp}/nope/o.csv"],
    # long exports (issue 12): a wide file read as long fails; the input stays as it was
    "--long": ["-o", "{out}", "--long", "--pair", "window", "--window", "2D", "--repeats",
               "mean", "--time-format", "%Y", "--test-map", "{tmp}/map.csv"],
    "--long --report": ["-o", "{out}", "--long", "--report", "{tmp}/report.csv"],
    "--time-zone": ["-o", "{out}", "--long", "--time-zone", "Europe/Berlin"],
    "--report is the input": ["-o", "{out}", "--long", "--report", "{src}", "--overwrite"],
    "--out-of-core": ["-o", "{tmp}/draws.parquet", "--long", "--out-of-core"],
}


def _derive_options() -> set[str]:
    sub = argparse.ArgumentParser().add_subparsers()
    p = add_derive_parser(sub)
    return {o for a in p._actions for o in a.option_strings if o not in ("-h", "--help", "-o")}


def test_the_checksum_cases_cover_every_option():
    covered = {a for argv in OPTION_CASES.values() for a in argv if a.startswith("--")}
    assert _derive_options() <= covered, _derive_options() - covered


@pytest.mark.parametrize("case", list(OPTION_CASES))
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_derive_never_changes_its_input(case, kind, tmp_path, capsys):
    src = tmp_path / f"lab.{kind}"
    if kind == "csv":
        src.write_text(LAB)
    else:
        pd.read_csv(pd.io.common.StringIO(LAB), sep=";", dtype=str).to_excel(src, index=False)
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(src)
    os.link(src, tmp_path / "hard.csv")
    old = tmp_path / "old.csv"
    old.write_text("kept\n")
    before = _sha(src), os.stat(src).st_mtime_ns
    fields = {"out": tmp_path / "out.csv", "src": src, "tmp": tmp_path, "old": old,
              "link": tmp_path / "link.csv", "hard": tmp_path / "hard.csv"}
    argv = ["derive", str(src), *(a.format(**fields) for a in OPTION_CASES[case])]
    if kind == "xlsx" and case.startswith("output is"):
        argv = [a.replace("lab.csv", "lab.xlsx") for a in argv]
    code = main(argv)
    assert (_sha(src), os.stat(src).st_mtime_ns) == before
    err = capsys.readouterr().err
    assert code in (0, 1) and "Traceback" not in err
    if case.startswith("output is"):
        assert code == 1 and "is the input file" in err
    if case == "existing output without --overwrite":
        assert code == 1 and "--overwrite" in err and old.read_text() == "kept\n"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_an_existing_output_is_replaced_only_with_overwrite(lab, tmp_path, capsys):
    out = tmp_path / "out.csv"
    out.write_text("previous\n")
    assert main(["derive", str(lab), "-o", str(out)]) == 1
    assert out.read_text() == "previous\n"
    assert "already exists; pass --overwrite" in capsys.readouterr().err
    assert main(["derive", str(lab), "-o", str(out), "--overwrite"]) == 0
    assert list(pd.read_csv(out)["ID"]) == ["p1", "p2", "p3"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
@pytest.mark.parametrize("existing", [True, False])
def test_a_writer_failing_half_way_leaves_no_half_file(error, existing, lab, tmp_path,
                                                       monkeypatch, capsys):
    out = tmp_path / "out.csv"
    if existing:
        out.write_text("previous\n")

    def half(self, path, *args, **kwargs):
        Path(path).write_text("ID,total_testo")  # a part of the file, then the failure
        raise error

    monkeypatch.setattr(pd.DataFrame, "to_csv", half)
    argv = ["derive", str(lab), "-o", str(out), "--overwrite"]
    if isinstance(error, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            main(argv)
    else:
        assert main(argv) == 1
        assert "disk full" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["lab.csv", *(["out.csv"] if existing else [])])
    if existing:
        assert out.read_text() == "previous\n"


def test_the_output_gets_ordinary_permissions(lab, tmp_path):
    out = tmp_path / "out.csv"
    assert main(["derive", str(lab), "-o", str(out)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o666 & ~umask  # not the temp file's 0600


# --- errors: whole, and in CLI options -----------------------------------------------------


def _stderr(argv, capsys) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("labstats: error: ") and "Traceback" not in err
    return err


def _no_keyword_advice(text: str) -> None:
    kw = re.compile(r"(?<![\w.-])(" + "|".join(KEYWORD_OPTIONS) + r")=|\b\w+_unit=")
    assert not kw.search(text), text


def test_a_multi_line_error_is_shown_whole(tmp_path, capsys):
    src = tmp_path / "cells.csv"
    src.write_text("id,shbg,albumin\na,40,x\nb,oops,43\nc,<,42\n")
    err = _stderr(["derive", str(src), "-o", str(tmp_path / "o.csv")], capsys)
    for cell in ("row 0, column 'albumin': 'x'", "row 1, column 'shbg': 'oops'",
                 "row 2, column 'shbg': '<'"):
        assert cell in err
    assert "more lines" not in err and "--errors report" in err
    _no_keyword_advice(err)


def _write(tmp_path, text, name="lab.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


# (name, file text, extra argv, library keyword in the real message, CLI option expected)
ADVICE_CASES = [
    ("encoding", "id,Albumin (g/L),comment\na,43,café\n".encode("cp1252"), [],
     "encoding='cp1252'", "--encoding cp1252"),
    ("duplicate ids", "id,shbg\na,40\na,41\n", [], "id_column=None", "--no-id-check"),
    ("unit of a column", "id,total_testosterone,shbg\na,450,40\n", [],
     ['total_testosterone_unit="ng/dL"', "units={'total_testosterone': 'ng/dL'}"],
     ["--units total_testosterone=ng/dL"] * 2),
    ("decimal mixed", "id,shbg\na,1.5\nb,\"2,5\"\n", [], ["pass decimal", "thousands=','"],
     ["pass --decimal", "--thousands ,"]),
    ("decimal given", "id;shbg\na;35,5\n", ["--decimal", "."], "decimal='.'", "--decimal ."),
    ("limit", "id,Testosterone (ng/dL)\na,ND\n", [], "limits={column: detection limit}",
     "--limit 'HEADER=LIMIT'"),
    ("errors report", "id,shbg\na,x\n", [], "errors='report'", "--errors report"),
    ("two headers, one name", "id,TT,Testosterone\na,1,2\n",
     ["--column-map", "TT=total_testosterone"], "with columns=", "--column-map 'HEADER=NAME'"),
    ("implausible", "id,shbg\na,2500\n", [], "plausibility('warn')", "--plausibility warn"),
    ("no such column for units", "id,shbg\na,40\n", ["--units", "albumin=g/dL"],
     "units: no column", "--units: no column"),
    ("no such header to map", "id,shbg\na,40\n", ["--column-map", "TT=total_testosterone"],
     "columns: 'TT'", "--column-map: 'TT'"),
    ("no such id column", "id,shbg\na,40\n", ["--id-column", "Sample"], "id_column: 'Sample'",
     "--id-column: 'Sample'"),
    ("derived value already in the file", "id,total_testosterone,shbg,free_androgen_index\n"
     "a,10,40,25\n", ["--only", "free_androgen_index"], "overwrite=True", "--column-map"),
]


def _library_message(path: Path, argv: list[str]) -> str:
    """The message the Python API gives for the same input (read_lab_export, then derive)."""
    opts = {"columns": {}, "units": {}, "decimal": "auto", "id_column": "auto"}
    it = iter(argv)
    for a in it:
        key = {"--column-map": "columns", "--units": "units"}.get(a)
        if key:
            k, v = next(it).split("=")
            opts[key][k] = v
        elif a == "--decimal":
            opts["decimal"] = next(it)
        elif a == "--id-column":
            opts["id_column"] = next(it)
        elif a == "--only":
            opts["only"] = [next(it)]
    only = opts.pop("only", None)
    with pytest.raises(ValueError) as info:
        derive(read_lab_export(path, **opts), only)
    return str(info.value)


@pytest.mark.parametrize("case", ADVICE_CASES, ids=[c[0] for c in ADVICE_CASES])
def test_library_keyword_advice_is_shown_as_the_cli_option(case, tmp_path, capsys):
    name, text, argv, keywords, options = case
    src = tmp_path / "lab.csv"
    src.write_bytes(text if isinstance(text, bytes) else text.encode())
    library = _library_message(src, argv)
    err = _stderr(["derive", str(src), "-o", str(tmp_path / "o.csv"), *argv], capsys)
    # (a case may list the wordings of two versions of the library: one must be there)
    keywords, options = ([x] if isinstance(x, str) else x for x in (keywords, options))
    pairs = [(k, o) for k, o in zip(keywords, options, strict=True) if k in library]
    assert pairs, library  # the library really says this ...
    for keyword, option in pairs:
        assert option in err  # ... and the CLI says this instead
        assert not re.search(r"(?<![-\w])" + re.escape(keyword), err)
    _no_keyword_advice(err)


def test_derive_plausibility_hint_is_shown_as_the_cli_option():
    # derive()'s own hint (an input checked once for all formulas) on the real message
    frame = pd.DataFrame({"total_testosterone": [450.0], "shbg": [40.0]})
    with pytest.raises(ValueError) as info:
        derive(frame)
    text = str(info.value)
    assert "plausibility='warn'" in text
    assert "options={'free_androgen_index': {'total_testosterone_unit': 'ng/dL'}}" in text
    cli = cli_advice(text)
    assert "--plausibility warn" in cli and "--units total_testosterone=ng/dL" in cli
    _no_keyword_advice(cli)


@pytest.mark.parametrize(("text", "want"), [
    # every row of the table, on the spellings the library uses
    ("e.g. encoding='cp1252'", "e.g. --encoding cp1252"),
    ("pass sep=';'", "pass --sep ';'"),
    ("pass sep='\\t'", "pass --sep '\\t'"),
    ("pass decimal=','", "pass --decimal ,"),
    ("pass thousands=','", "pass --thousands ,"),
    ("pass thousands=' '", "pass --thousands ' '"),
    ("pass thousands=\"'\"", "pass --thousands \"'\""),
    ("pass thousands=None", "pass --thousands none"),
    ("pass sheet_name='Results'", "pass --sheet Results"),
    ("pass sheet_name=0", "pass --sheet 0"),
    ("pass id_column=None if", "pass --no-id-check if"),
    ("pass id_column='Sample'", "pass --id-column Sample"),
    ("errors='report' sets", "--errors report sets"),
    ("pass censored='nan'", "pass --censored nan"),
    ("pass limits={column: detection limit}", "pass --limit 'HEADER=LIMIT'"),
    ("rename one with columns=", "rename one with --column-map 'HEADER=NAME'"),
    ("pass units={'albumin': 'g/dL'}", "pass --units albumin=g/dL"),
    ("units={'albumin': 'g/dL', 'shbg': 'nmol/L'}", "--units 'NAME=UNIT'"),
    ("pass plausibility='warn'.", "pass --plausibility warn."),
    ("pass albumin_unit=\"g/dL\"", "pass --units albumin=g/dL"),
    ("in result.attrs['unparsed'])", "in the summary)"),
    # messages that carry their own CLI hint beside the keyword: said once
    ("e.g. encoding='cp1252' (CLI: --encoding cp1252)", "e.g. --encoding cp1252"),
    ("the workbook has 'A', 'B' (sheet_name=, CLI: --sheet)", "the workbook has 'A', 'B' "
                                                              "(--sheet NAME)"),
    ("pass decimal=',' if it is a decimal mark, or thousands=',' (and decimal='.') if it "
     "separates thousands (CLI: --decimal , / --thousands ,)",
     "pass --decimal , if it is a decimal mark, or --thousands , (and --decimal .) if it "
     "separates thousands"),
    ("name the convention with decimal= and thousands= (e.g. decimal='.', thousands=','; "
     "CLI: --decimal . --thousands ,)", "name the convention with --decimal MARK and "
     "--thousands SEP (e.g. --decimal ., --thousands ,)"),
    ("pass units={'insulin': ...} for rows without one", "pass --units 'NAME=UNIT' for rows "
                                                         "without one"),
])
def test_each_keyword_of_the_table_translates(text, want):
    assert cli_advice(text) == want
    assert cli_advice(want) == want  # a translated message is left as it is


def test_a_repeated_warning_is_shown_once_with_its_count():
    from labstats._cli_derive import _show

    assert _show("shbg: 2500.0 is implausible", 3) == (
        "  warning: shbg: 2500.0 is implausible (3 times)")
    assert _show("2 cells could not be read:\n  row 1\n  row 2", 1) == (
        "  warning: 2 cells could not be read:\n      row 1\n      row 2")


def test_warnings_of_two_phases_are_merged_by_their_largest_count(capsys):
    import warnings

    from labstats._cli_derive import print_warnings

    with warnings.catch_warnings(record=True) as read_w:
        warnings.simplefilter("always")
        for text in ("shbg: 2500.0 is implausible", "shbg: 2500.0 is implausible", "other"):
            warnings.warn(text, UserWarning, stacklevel=1)
    with warnings.catch_warnings(record=True) as derive_w:
        warnings.simplefilter("always")
        warnings.warn("shbg: 2500.0 is implausible", UserWarning, stacklevel=1)
    print_warnings(read_w, derive_w)
    assert capsys.readouterr().out == ("  warning: shbg: 2500.0 is implausible (2 times)\n"
                                       "  warning: other\n")


def test_the_table_names_only_options_derive_has():
    assert set(KEYWORD_OPTIONS.values()) <= _derive_options()


def test_read_lab_export_keywords_the_cli_exposes_exist():
    from labstats.datasets import pair_results, read_lab_results

    params = inspect.signature(read_lab_export).parameters
    long = {**inspect.signature(read_lab_results).parameters,
            **inspect.signature(pair_results).parameters}  # --long (issue 12)
    for keyword in KEYWORD_OPTIONS:
        if keyword not in ("thousands", "plausibility"):  # thousands: newer; plausibility: derive
            assert keyword in params or keyword in long, keyword


# --- --version and python -m labstats ------------------------------------------------------


@pytest.mark.parametrize("command", [["-m", "labstats"], ["-m", "labstats.cli"]])
def test_version_and_python_m(command):
    import labstats

    res = subprocess.run([sys.executable, *command, "--version"], capture_output=True,
                         text=True, check=True)
    assert res.stdout.strip() == f"labstats {labstats.__version__}" == "labstats 0.1.0"
    res = subprocess.run([sys.executable, *command, "derive", "--help"], capture_output=True,
                         text=True, check=True)
    assert "usage: labstats derive" in res.stdout and "--overwrite" in res.stdout


def test_python_m_labstats_runs_derive_like_labstats(lab, tmp_path):
    out = tmp_path / "o.csv"
    res = subprocess.run([sys.executable, "-m", "labstats", "derive", str(lab), "-o", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0 and "wrote" in res.stdout and out.exists()
    res = subprocess.run([sys.executable, "-m", "labstats", "derive", str(lab), "-o", str(lab)],
                         capture_output=True, text=True)
    assert res.returncode == 1 and "is the input file" in res.stderr
    assert "Traceback" not in res.stderr
