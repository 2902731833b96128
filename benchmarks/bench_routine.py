"""Routine lab data at scale: read -> pair -> derive of a long Parquet export, out of core.

``labstats.pair_export(..., derive=True)`` (by specimen: its SQL path, the pandas reader on
the dictionary of distinct cells, the draws grouped in DuckDB, the draws with repeats or
duplicates paired by pandas) against a reference pivot of the same data written
directly in DuckDB SQL (one ``max(...) FILTER (WHERE itemid = ...)`` per analyte, grouped by
specimen, written to Parquet: no cell parsing, no units, no report). Goal (issue 12): ratio
<= 2 and peak memory <= 3 GB, bounded: the same at 2.5 M and 10 M rows. The Dask path on
a local cluster of two worker processes is measured against the out-of-core path. Each measure runs in
its own process (peak resident memory, ``ru_maxrss``). The export is make_lab_results'
MIMIC shape, generated in chunks of patients into a folder (cached in the temp folder).

Run: python benchmarks/run.py benchmarks.bench_routine   (or: python -m benchmarks.bench_routine
2500000 10000000)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS_PER_PATIENT = 11.6  # MIMIC shape: ~3.1 draws x ~3.7 results + reruns, duplicates, bad rows
CHUNK = 100_000  # patients per generated file


def _export(rows: int) -> Path:
    """A folder of MIMIC-shaped Parquet files with about ``rows`` rows (cached)."""
    from labstats.datasets import make_lab_results

    folder = Path(tempfile.gettempdir()) / f"labstats-bench-routine-{rows}"
    done = folder / "done"
    if done.exists():
        return folder
    folder.mkdir(exist_ok=True)
    patients = int(rows / ROWS_PER_PATIENT)
    for k, start in enumerate(range(0, patients, CHUNK)):
        export = make_lab_results(min(CHUNK, patients - start), seed=k, shape="mimic")
        export.attrs = {}
        export["subject_id"] += k * CHUNK  # distinct patients and specimens per chunk
        export["specimen_id"] += k * 100_000_000
        export["labevent_id"] += k * 10_000_000
        export.to_parquet(folder / f"labevents-{k:04d}.parquet", index=False)
    done.write_text("")
    return folder


def _test_map() -> dict:
    from labstats.datasets.synthetic_routine import MIMIC_ITEMS

    return {str(v): a for a, v in MIMIC_ITEMS.items()
            if a in ("total_testosterone", "shbg", "albumin", "glucose")}


def _measure(kind: str, folder: str) -> dict:
    """Run in a child process: one measure, its time and this process's peak memory."""
    import resource

    import duckdb

    out = Path(tempfile.mkdtemp()) / "out.parquet"
    t = time.perf_counter()
    if kind == "labstats":
        import labstats

        counts = labstats.pair_export(folder, out, test_map=_test_map(), derive=True,
                                      rows_per_partition=1_000_000, memory_limit="1GB")
        extra = {"rows": counts["read"]["rows"], "draws": counts["pair"]["draws"]}
    elif kind == "dask":  # the same pipeline on a local cluster of two worker processes
        import dask.dataframe as dd
        import distributed

        import labstats

        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None, memory_limit="4GiB") as cluster, \
                distributed.Client(cluster):
            t = time.perf_counter()  # cluster start-up not counted
            results = labstats.read_lab_results(dd.read_parquet(folder), test_map=_test_map())
            draws = labstats.derive(labstats.pair_results(results))
            draws.to_parquet(out.with_suffix(""), write_index=False)
            seconds = time.perf_counter() - t
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"seconds": seconds, "peak_mb": own + 2 * workers}
    else:
        items = {a: int(c) for c, a in _test_map().items()}
        cols = ", ".join(f"max(valuenum) FILTER (WHERE itemid = {i}) AS {a}"
                         for a, i in items.items())
        con = duckdb.connect()
        con.execute("SET memory_limit = '1GB'; SET threads = 2; "
                    "SET preserve_insertion_order = false")
        con.execute(f"COPY (SELECT subject_id, specimen_id, min(charttime) AS charttime, {cols} "
                    f"FROM read_parquet('{folder}/*.parquet') GROUP BY subject_id, specimen_id) "
                    f"TO '{out}' (FORMAT parquet)")
        extra = {}
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB -> MB (Linux)
    return {"seconds": seconds, "peak_mb": peak, **extra}


def _child(kind: str, folder: Path) -> dict:
    root = Path(__file__).resolve().parents[1]
    code = (f"import json, sys; sys.path.insert(0, {str(root)!r}); "
            f"from benchmarks.bench_routine import _measure; "
            f"print(json.dumps(_measure({kind!r}, {str(folder)!r})))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def run(sizes=(2_500_000, 10_000_000), dask_sizes=(2_500_000,)) -> list[dict]:
    rows = []
    for n in sizes:
        folder = _export(int(n))
        ours, ref = _child("labstats", folder), _child("duckdb", folder)
        rows.append({
            "name": (f"read+pair+derive {ours['rows']:,} rows -> {ours['draws']:,} draws / "
                     f"DuckDB SQL pivot; peak {ours['peak_mb']:,.0f} MB vs "
                     f"{ref['peak_mb']:,.0f} MB (goal: ratio <= 2, <= 3 GB, bounded)"),
            "seconds": ours["seconds"], "reference_seconds": ref["seconds"],
            "ratio": ours["seconds"] / ref["seconds"]})
        if n in dask_sizes:
            cluster = _child("dask", folder)
            rows.append({
                "name": (f"Dask, local cluster of 2 worker processes, {ours['rows']:,} rows / "
                         f"out of core on one machine; peak (client + 2 x worker max) "
                         f"{cluster['peak_mb']:,.0f} MB"),
                "seconds": cluster["seconds"], "reference_seconds": ours["seconds"],
                "ratio": cluster["seconds"] / ours["seconds"]})
    return rows


if __name__ == "__main__":
    from benchmarks.run import report

    report(run(tuple(int(a) for a in sys.argv[1:]) or (2_500_000, 10_000_000)))
