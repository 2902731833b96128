"""Small NHANES join for the survey tests and benchmark (independent of labstats.datasets).

Mirrors ``read_cycle()`` of tests/reference/make_survey_reference.R: all DEMO rows,
left-joined on SEQN to the testosterone/SHBG file and to BIOPRO (albumin g/L).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_cycle(nhanes: Path, suffix: str) -> pd.DataFrame:
    import pyreadstat

    def xpt(name):
        return pyreadstat.read_xport(str(nhanes / name))[0]

    demo = xpt(f"DEMO_{suffix}.XPT")[["SEQN", "RIAGENDR", "RIDAGEYR", "WTMEC2YR",
                                       "SDMVSTRA", "SDMVPSU"]]
    if (nhanes / f"TST_{suffix}.XPT").exists():
        tst = xpt(f"TST_{suffix}.XPT")
    else:
        tst = pd.read_csv(nhanes / f"TST_{suffix}.csv.xz")
    bio = xpt(f"BIOPRO_{suffix}.XPT")[["SEQN", "LBDSALSI"]]
    out = demo.merge(tst[["SEQN", "LBXTST", "LBXSHBG"]], on="SEQN", how="left")
    return out.merge(bio, on="SEQN", how="left")


def pooled_2013_2016(nhanes: Path) -> pd.DataFrame:
    """DEMO_H + DEMO_I with ``WTMEC4YR = WTMEC2YR / 2`` and the six adult age bands."""
    from labstats.stats import age_groups

    p = pd.concat([read_cycle(nhanes, "H"), read_cycle(nhanes, "I")], ignore_index=True)
    p["WTMEC4YR"] = p["WTMEC2YR"] / 2
    p["age_group"] = age_groups(p["RIDAGEYR"], [20, 30, 40, 50, 60, 70])
    return p
