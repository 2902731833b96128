"""Command line: ``labstats report`` (the main job), ``labstats derive``, ``labstats demo``.

Errors exit with status 1 and the whole message on stderr (``labstats: error: ...``, no
traceback), its advice worded as options of this command line. ``labstats derive`` lives
in ``labstats._cli_derive``.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from labstats import __version__
from labstats._cli_derive import add_derive_parser, cli_advice


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
    from labstats._outputs import atomic

    with atomic(path) as tmp:  # an earlier demo's table is replaced whole, never in part
        table.to_csv(tmp, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("Calculated free and bioavailable testosterone (row 1: the ISSAM worked example)")
        print(table.round(4).to_string(index=False))
    print(f"\nwrote {path}")
    return 0


def _data_option(value: str) -> str:
    """``--data``: "nhanes", "synthetic" or an existing folder (its files are checked later,
    before any notebook runs)."""
    from labstats._report_data import resolve_data

    try:
        return resolve_data(value, option="--data")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--data ")) from None


def _report(args) -> int:
    from labstats.report import Stopped, build_report

    if args.jobs < 1:
        raise ValueError(f"--jobs must be 1 or more, got {args.jobs}")
    try:
        runs = build_report(args.out, data=args.data, notebooks=args.notebooks,
                            progress=not args.no_progress, jobs=args.jobs)
    except KeyboardInterrupt as stop:  # its kernels and working folder are gone
        how, signum = ((f"stopped ({stop})", stop.signum) if isinstance(stop, Stopped)
                       else ("interrupted", signal.SIGINT))
        print(f"labstats: {how}: no report written ({args.out} is as it was)",
              file=sys.stderr)
        return 128 + signum
    failed = [r for r in runs if not r.ok]
    index = Path(args.out) / "index.html"
    print(f"wrote {index} ({len(runs)} notebooks, "
          f"{sum(len(r.figures) for r in runs)} figures)")
    for r in failed:
        print(f"labstats: error: notebook {r.path.name} failed: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="labstats",
        description="labstats: derived lab values, datasets and survey statistics.")
    parser.add_argument("--version", action="version", version=f"labstats {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="compute free/bioavailable T on a worked-example grid "
                                    "and write a CSV")
    p.add_argument("--out", default="demo-output", help="output folder (default: demo-output)")
    p.set_defaults(func=_demo)
    p = sub.add_parser(
        "report", help="execute the notebooks and write an HTML report (index.html, one page "
                       "per notebook, figures as PNG)",
        description="Execute the notebooks and write an HTML report. By default they run on "
                    "real data: NHANES 2013-2016 from the extract shipped with labstats (no "
                    "download); --data synthetic for the synthetic cohort, --data PATH for a "
                    "folder of CDC files. The index page says which data each notebook used.")
    p.add_argument("--data", type=_data_option, default=None, metavar="{nhanes,synthetic,PATH}",
                   help="nhanes: real NHANES 2013-2016, the extract shipped with labstats (the "
                        "default; no download); synthetic: the calibrated synthetic cohort; "
                        "PATH: a folder of CDC NHANES files (labstats.fetch_nhanes). Default: "
                        "$LABSTATS_DATA if set, else nhanes")
    p.add_argument("--out", default="report", help="output folder (default: report)")
    p.add_argument("--notebooks", default=None, help="folder of NN_*.py (or .ipynb) notebooks "
                                                      "(default: ./notebooks)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="notebooks run at the same time, one kernel each (default: 2)")
    p.set_defaults(func=_report)
    add_derive_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError) as exc:
        # The whole message (a per-cell report lists every cell and the fix), with keyword
        # advice given as the options of this command line; no traceback.
        text = cli_advice(str(exc).strip()) or type(exc).__name__
        print(f"labstats: error: {text}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
