"""Command line: ``labstats report`` (the main job), ``labstats derive``, ``labstats demo``.

Errors exit with status 1 and one line on stderr (``labstats: error: ...``).
"""

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


def _report(args) -> int:
    from labstats.report import build_report

    if args.jobs < 1:
        raise ValueError(f"--jobs must be 1 or more, got {args.jobs}")
    runs = build_report(args.out, data=args.data, notebooks=args.notebooks,
                        progress=not args.no_progress, jobs=args.jobs)
    failed = [r for r in runs if not r.ok]
    index = Path(args.out) / "index.html"
    print(f"wrote {index} ({len(runs)} notebooks, "
          f"{sum(len(r.figures) for r in runs)} figures)")
    for r in failed:
        print(f"labstats: error: notebook {r.path.name} failed: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _pairs(items: list[str] | None, what: str) -> dict[str, str]:
    """["a=b,c=d", "e=f"] -> {"a": "b", "c": "d", "e": "f"}."""
    out: dict[str, str] = {}
    for item in items or []:
        for part in item.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise ValueError(f"{what}: expected NAME=VALUE, got {part!r}")
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


_WRITERS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "excel", ".parquet": "parquet"}


def _writer(path: Path) -> str:
    try:
        return _WRITERS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"output {path}: unknown format {path.suffix!r}; use .csv, .tsv, .xlsx "
                         f"or .parquet") from None


def _write(frame, path: Path) -> None:
    kind = _writer(path)
    if kind == "excel":
        frame.to_excel(path, index=False)
    elif kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, sep="\t" if kind == "tsv" else ",")


def _derive(args) -> int:
    import warnings

    from labstats.datasets import DERIVED, derive, read_lab_export

    _writer(Path(args.output))  # an unknown output format fails before any work
    options: dict[str, dict] = {}
    for name, method in _pairs(args.method, "--method").items():
        options.setdefault(name, {})["method"] = method
    limits = {k: float(v) for k, v in _pairs(args.limit, "--limit").items()}
    from labstats._validate import plausibility

    with warnings.catch_warnings(record=True) as caught, plausibility(args.plausibility):
        warnings.simplefilter("always")
        frame = read_lab_export(args.input, columns=_pairs(args.column_map, "--column-map"),
                                units=_pairs(args.units, "--units"), censored=args.censored,
                                limits=limits or None, errors=args.errors)
        present = [n for n, d in DERIVED.items() if all(c in frame.columns for c in d.inputs)]
        wanted = [n for n in (args.only or present) if n not in frame.columns]
        out = derive(frame, wanted, options=options, plausibility=args.plausibility)
    _write(out, Path(args.output))

    print(f"read {len(frame)} rows from {args.input}")
    analytes = [c for c in frame.columns if f"{c}_censored" in frame.columns]
    for c in analytes:
        counts = frame[f"{c}_censored"].value_counts()
        print(f"  censored {c}: " + ", ".join(f"{n} {side}" for side, n in counts.items())
              + f" (set by policy {args.censored!r})")
    unparsed = out.attrs.get("unparsed")
    if unparsed is not None and len(unparsed):
        print(f"  {len(unparsed)} cells could not be read and are NaN (first: row "
              f"{unparsed.iloc[0]['row']!r}, column {unparsed.iloc[0]['column']!r}, "
              f"value {unparsed.iloc[0]['value']!r})")
    for w in caught:
        print(f"  warning: {w.message}")
    for n in wanted:
        print(f"  derived {n}: {int(out[n].notna().sum())} of {len(out)} rows")
    for n, d in DERIVED.items():
        if n not in wanted and n not in frame.columns:
            lacking = [c for c in d.inputs if c not in frame.columns]
            if lacking:
                print(f"  skipped {n}: needs {', '.join(lacking)}")
    print(f"wrote {args.output}")
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
    p = sub.add_parser("report", help="execute the notebooks and write an HTML report "
                                      "(index.html, one page per notebook, figures as PNG)")
    p.add_argument("--data", choices=["synthetic", "nhanes"], default="synthetic",
                   help="embedded synthetic cohort (default) or the NHANES files you fetched")
    p.add_argument("--out", default="report", help="output folder (default: report)")
    p.add_argument("--notebooks", default=None, help="folder of NN_*.py notebooks "
                                                      "(default: ./notebooks)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="notebooks run at the same time, one kernel each (default: 2)")
    p.set_defaults(func=_report)
    p = sub.add_parser(
        "derive", help="add every derived value (free T, FAI, HOMA-IR, LDL, eGFR, ...) to a "
                       "CSV/Excel/Parquet lab export",
        description="Read a laboratory export (unit-bearing headers, decimal commas and "
                    "censored values such as '<0.5' are understood), add every derived value "
                    "whose inputs are present as new columns, write the result and print a "
                    "summary of censored values, unreadable cells, warnings and formulas "
                    "skipped for missing inputs. Rows are never dropped or reordered.")
    p.add_argument("input", help="CSV, TSV, Excel (.xlsx) or Parquet file")
    p.add_argument("-o", "--output", required=True, help="output file (.csv, .tsv, .xlsx or "
                                                         ".parquet)")
    p.add_argument("--column-map", action="append", metavar="HEADER=NAME[,...]",
                   help="map file headers to labstats names, e.g. 'TT=total_testosterone'")
    p.add_argument("--units", action="append", metavar="NAME=UNIT[,...]",
                   help="units of columns whose header has none, e.g. "
                        "'total_testosterone=ng/dL,albumin=g/dL'")
    p.add_argument("--censored", default="lod/sqrt2", choices=["lod/sqrt2", "lod/2", "lod", "nan"],
                   help="value given to '<L' results (default lod/sqrt2)")
    p.add_argument("--limit", action="append", metavar="HEADER=VALUE[,...]",
                   help="detection limit for censored cells written without a number ('ND')")
    p.add_argument("--only", nargs="+", metavar="NAME", help="derive only these values")
    p.add_argument("--method", action="append", metavar="NAME=METHOD[,...]",
                   help="method per derived value, e.g. 'free_testosterone=sodergard1982'")
    p.add_argument("--plausibility", default="raise", choices=["raise", "warn"],
                   help="implausible input values: stop (default) or warn and compute")
    p.add_argument("--errors", default="raise", choices=["raise", "report"],
                   help="unreadable cells: stop listing them (default), or set NaN and report")
    p.set_defaults(func=_derive)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        more = f" (+{len(lines) - 1} more lines)" if len(lines) > 1 else ""
        print(f"labstats: error: {lines[0]}{more}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
