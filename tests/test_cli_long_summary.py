"""``labstats derive --long``'s summary counts the reasons by kind: a reason that names its
own row (a superseded result names the row of the result replacing it, HL7 v2 table 0085)
is counted with the others of its kind, not listed once per row; and the reasons beyond
the ones listed are counted, so the summary accounts for every reported and excluded
row."""

from __future__ import annotations

import re

import pandas as pd

from labstats.cli import main
from labstats.datasets import make_lab_results


def _summary(tmp_path, capsys, export, report=True):
    src = tmp_path / "export.csv"
    export.to_csv(src, index=False)
    argv = ["derive", str(src), "--long", "-o", str(tmp_path / f"draws{int(report)}.csv")]
    if report:
        argv += ["--report", str(tmp_path / "report.csv")]
    assert main(argv) == 0
    return capsys.readouterr().out


def test_superseded_results_are_counted_by_kind(tmp_path, capsys):
    export = make_lab_results(300, seed=2, corrections=True)
    export.attrs = {}
    text = _summary(tmp_path, capsys, export)
    status = export["Result Status"]
    corrected = re.search(r"excluded (\d+): superseded: the corrected result \(C\) replaces "
                          r"it", text)
    final = re.search(r"excluded (\d+): superseded: the final result \(F\) replaces it", text)
    # each C replaces one F row, each P is replaced by one F row
    assert corrected and int(corrected[1]) == (status == "C").sum() > 10
    assert final and int(final[1]) == (status == "P").sum() > 10
    assert "at row" not in text
    report = pd.read_csv(tmp_path / "report.csv")  # the report still names the row
    superseded = report[report["reason"].str.startswith("superseded")]
    assert len(superseded) == (status == "C").sum() + (status == "P").sum()
    assert superseded["reason"].str.contains(r" at row \d+ replaces it").all()


def test_the_summary_accounts_for_every_row_set_aside(tmp_path, capsys):
    export = make_lab_results(300, seed=2, corrections=True)
    export.attrs = {}
    extra = export.iloc[[0, 1, 2]].copy()  # a ninth kind and a tenth: more than are listed
    extra["Test Code"] = "2986-8"
    extra["Units"] = ["furlongs", "furlongs", "ng/dL"]
    extra["Result"] = ["5", "6", "12..5"]
    export = pd.concat([export, extra], ignore_index=True)
    for report in (True, False):
        text = _summary(tmp_path, capsys, export, report)
        head = re.search(r"(\d+) reported, (\d+) excluded", text)
        listed = sum(int(n) for n in re.findall(r"^  (?:reported|excluded) (\d+): ", text,
                                                re.M))
        more = re.search(r"^  \.\.\. (\d+) more reasons, (\d+) rows: (.*)$", text, re.M)
        assert more and int(more[1]) >= 1
        assert listed + int(more[2]) == int(head[1]) + int(head[2])
        assert ("per-row report" in more[3]) == report
        assert ("--report FILE" in more[3]) == (not report)
