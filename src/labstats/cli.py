"""Command line: ``labstats demo`` (the main job for now)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _demo(args) -> int:
    import numpy as np
    import pandas as pd

    from labstats.formulas import (
        BINDING_MODELS,
        bioavailable_testosterone,
        free_androgen_index,
        free_testosterone,
    )

    # The ISSAM worked example plus a small grid across the physiological range.
    tt = np.array([10.0, 5.0, 15.0, 25.0, 10.0, 10.0, 1.0])
    shbg = np.array([40.0, 20.0, 30.0, 60.0, 10.0, 100.0, 50.0])
    alb = np.array([43.0, 43.0, 43.0, 43.0, 35.0, 50.0, 43.0])
    table = pd.DataFrame({"total_testosterone_nmol_l": tt, "shbg_nmol_l": shbg,
                          "albumin_g_l": alb})
    for method in BINDING_MODELS:
        table[f"free_t_{method}_nmol_l"] = free_testosterone(tt, shbg, alb, method=method)
    table["bioavailable_t_vermeulen1999_nmol_l"] = bioavailable_testosterone(tt, shbg, alb)
    table["free_t_vermeulen1999_percent"] = free_testosterone(tt, shbg, alb, output_unit="%")
    table["free_androgen_index"] = free_androgen_index(tt, shbg)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "free_testosterone_demo.csv"
    table.to_csv(path, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("Calculated free and bioavailable testosterone (row 1: the ISSAM worked example)")
        print(table.round(4).to_string(index=False))
    print(f"\nwrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="labstats",
        description="labstats: derived lab values, datasets and survey statistics.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="compute free/bioavailable T on a worked-example grid "
                                    "and write a CSV")
    p.add_argument("--out", default="demo-output", help="output folder (default: demo-output)")
    p.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:
        print(f"labstats: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
