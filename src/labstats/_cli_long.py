"""``labstats derive --long``: a long export (one row per result) -> one row per draw.

read_lab_results -> pair_results -> derive, with the rules of ``labstats derive`` (the
input is never written to, the output is written atomically, errors are whole messages
with command-line advice). Prints what was read, reported, excluded and counted as
duplicates, the most frequent reasons, unknown test codes, and what pairing did.
"""

from __future__ import annotations

import warnings

#: Reasons listed in the summary, the most frequent first (the rest: counted, then
#: listed by the per-row report).
_KINDS_SHOWN = 8


def derive_long(args, output, options) -> int:
    from labstats._cli_derive import (
        _pairs,
        cli_advice,
        print_warnings,
        sheet_option,
        write_atomic,
    )
    from labstats._cli_summary import units_written
    from labstats._validate import plausibility
    from labstats.datasets import DERIVED, derive, pair_results, read_lab_results
    from labstats.datasets._routine_screen import reason_kind

    if args.out_of_core:
        return _out_of_core(args, output, options)

    kw = {k: v for k, v in (("sep", args.sep), ("encoding", args.encoding)) if v is not None}
    kw.update(_read_kw(args))
    if args.sheet is not None:
        kw["sheet_name"] = sheet_option(args.sheet, args.input)
    with warnings.catch_warnings(record=True) as seen, plausibility(args.plausibility):
        warnings.simplefilter("always")
        results = read_lab_results(args.input, columns=_pairs(args.column_map, "--column-map"),
                                   test_map=args.test_map, units=_pairs(args.units, "--units"),
                                   censored=args.censored, decimal=args.decimal, **kw)
        paired = pair_results(results, by=args.pair, window=args.window,
                              repeats=args.repeats)
        present = [n for n, d in DERIVED.items() if all(c in paired.columns for c in d.inputs)]
        wanted = args.only or [n for n in present if n not in paired.columns]
        out = derive(paired, wanted, options=options, plausibility=args.plausibility)
    # both outputs checked before either is written, renamed into place once both are
    # written: a failing run changes neither
    # the report's reasons advise command-line options, as the summary does (--test-map
    # FILE, not test_map=): the distinct reasons are rewritten, each once
    report = results.attrs["report"]
    advice = {r: cli_advice(r) if isinstance(r, str) else r for r in report["reason"].unique()}
    written = report.assign(reason=report["reason"].map(advice))
    write_atomic(out, output, *[(written, args.report)] * bool(args.report))

    c = results.attrs["counts"]
    print(f"read {c['rows']} result rows from {args.input}: {c['used']} used, "
          f"{c['reported']} reported, {c['excluded']} excluded, {c['duplicates']} exact "
          f"duplicates")
    # by kind: a reason naming its own row (the result replacing it) counted with its kind
    kind = report["reason"].map({r: reason_kind(r) for r in report["reason"].unique()})
    kinds = report.groupby([report["status"], kind]).size().sort_values(ascending=False)
    for (status, reason), n in kinds.head(_KINDS_SHOWN).items():
        first = int(report.loc[(report["status"] == status) & (kind == reason),
                               "source_row"].iloc[0])
        print(f"  {status} {n}: {cli_advice(reason)} (first at source row {first})")
    if len(kinds) > _KINDS_SHOWN:  # every row is in the per-row report
        rest = kinds.iloc[_KINDS_SHOWN:]
        print(f"  ... {len(rest)} more reasons, {int(rest.sum())} rows: "
              + ("see the per-row report" if args.report else "write them with --report FILE"))
    unknown = results.attrs["unknown_tests"]
    if len(unknown):
        shown = ", ".join(f"{t} ({n})" for t, n in unknown.head(10).itertuples(index=False))
        print(f"  unknown test codes: {shown}{' ...' if len(unknown) > 10 else ''}; map them "
              f"with --test-map FILE (columns code,analyte)")
    p = paired.attrs["counts"]
    how = "specimen" if args.pair == "specimen" else f"time window {args.window}"
    print(f"paired {p['results']} results into {p['draws']} draws by {how}: {p['duplicates']} "
          f"exact duplicates kept once, {p['conflicts']} conflicting repeats resolved by "
          f"--repeats {args.repeats} ({p['repeats']} results set aside or pooled)")
    print_warnings(seen)
    print(units_written(out.columns, wanted) or "", end="")
    for n in wanted:
        print(f"  derived {n}: {int(out[n].notna().sum())} of {len(out)} draws")
    for n, d in DERIVED.items():
        lacking = [x for x in d.inputs if x not in paired.columns]
        if n not in wanted and lacking:
            print(f"  skipped {n}: needs {', '.join(lacking)}")
    if args.report:
        print(f"wrote the per-row report to {args.report}")
    print(f"wrote {output}")
    return 0


def _read_kw(args) -> dict:
    """The reading options both paths take: --time-format, --time-zone, --thousands."""
    kw = {k: v for k, v in (("time_format", args.time_format),
                            ("time_zone", args.time_zone)) if v is not None}
    if args.thousands not in (None, "none"):
        kw["thousands"] = " " if args.thousands == "space" else args.thousands
    return kw


def _out_of_core(args, output, options) -> int:
    """--out-of-core: DuckDB partitions, pairs and derives; the draws go to a Parquet file.
    Read with the reading options of the in-memory path (--time-format, --time-zone,
    --thousands); its warnings printed as the in-memory path prints them (in command-line
    words)."""
    from labstats._cli_derive import _pairs, print_warnings
    from labstats._engines import pair_export

    targets = [output] + ([args.report] if args.report else [])
    for path in targets:
        if path.suffix.lower() != ".parquet":
            raise ValueError(f"output {path}: --out-of-core writes Parquet (a .parquet file)")
    if args.only or options or args.sheet or args.sep or args.encoding or \
            args.plausibility != "raise":
        raise ValueError("--out-of-core derives every value with its default method and "
                         "plausibility check, and reads Parquet: drop --only, --method, "
                         "--plausibility warn, --sheet, --sep and --encoding, or read in "
                         "memory without --out-of-core")
    # checked (``check_output``) before; written beside their target, renamed once complete
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        counts = pair_export(
            args.input, output, columns=_pairs(args.column_map, "--column-map"),
            test_map=args.test_map, units=_pairs(args.units, "--units"),
            censored=args.censored, decimal=args.decimal, by=args.pair, window=args.window,
            repeats=args.repeats, derive=True, report=args.report, overwrite=args.overwrite,
            **_read_kw(args))
    c, p = counts["read"], counts["pair"]
    print(f"read {c['rows']} result rows from {args.input} out of core "
          f"({counts['partitions']} partitions): {c['used']} used, {c['reported']} reported, "
          f"{c['excluded']} excluded, {c['duplicates']} exact duplicates")
    if counts["unknown_tests"]:
        top = sorted(counts["unknown_tests"].items(), key=lambda kv: -kv[1])[:10]
        print("  unknown test codes: " + ", ".join(f"{t} ({n})" for t, n in top))
    print(f"paired {p['results']} results into {p['draws']} draws ({p['duplicates']} exact "
          f"duplicates, {p['conflicts']} conflicting repeats resolved by --repeats "
          f"{args.repeats})")
    print_warnings(seen)
    if args.report:
        print(f"wrote the per-row report to {args.report} (unknown test codes: counted "
              f"above)")
    print(f"wrote {output}")
    return 0


def add_long_options(p):
    """Options of ``labstats derive`` for long exports."""
    g = p.add_argument_group(
        "long exports (one row per result: MIMIC-IV labevents, LIS dumps)",
        "With --long the input holds one row per result; the results of one draw are "
        "paired into one row before deriving. --column-map maps headers to the roles "
        "patient_id, specimen_id, collected_at, test, value, unit, flag, status; --units "
        "gives analyte=unit for results without one.")
    g.add_argument("--long", action="store_true",
                   help="the input is a long export (a file or a folder of Parquet files)")
    g.add_argument("--pair", choices=["specimen", "window"], default="specimen",
                   help="pair the results of one specimen (default) or of one time window")
    g.add_argument("--window", default="1D", metavar="DURATION",
                   help="width of a draw with --pair window, e.g. 1D, 12h (default 1D); with "
                        "--pair specimen, results of one specimen further apart are two "
                        "draws (a reused specimen id)")
    g.add_argument("--repeats", choices=["first", "last", "mean", "nearest"], default="first",
                   help="several results of one analyte in one draw: keep the first "
                        "(default), the last, their mean, or the nearest in time")
    g.add_argument("--test-map", metavar="FILE",
                   help="CSV of local test codes -> analytes (columns code,analyte); LOINC "
                        "codes are known without it")
    g.add_argument("--time-format", metavar="FORMAT",
                   help="strftime format of the collection times, e.g. '%%d/%%m/%%Y %%H:%%M' "
                        "(default: that of the first time)")
    g.add_argument("--time-zone", metavar="ZONE",
                   help="read times with a UTC offset or zone as instants in ZONE, an IANA "
                        "name such as UTC or Europe/Berlin: an export whose offsets change "
                        "with daylight saving time (+01:00, +02:00) is then read; times "
                        "without an offset are refused with it (default: one zone needed)")
    g.add_argument("--out-of-core", action="store_true",
                   help="for a Parquet export larger than memory: DuckDB partitions it by "
                        "patient and each partition is read, paired and derived in turn "
                        "(bounded memory); the output must be .parquet")
    g.add_argument("--report", metavar="FILE",
                   help="also write the per-row report (reported and excluded rows, with "
                        "reasons) to FILE (.csv, .tsv, .xlsx or .parquet)")
