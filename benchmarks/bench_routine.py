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
2500000 10000000). Each side runs three times, alternating with the other; the run of median
ratio is reported with the ratios' range.

Memory at a fixed ``memory_limit`` (is the out-of-core path bounded?): python -m
benchmarks.bench_routine --memory [--memory-limit 1GB] 2500000 10000000 40000000. Each size
runs ``pair_export(..., derive=True)`` alone in a child process that samples, every 50 ms,
its resident memory (/proc), DuckDB's buffer memory (``duckdb_memory()``, through a cursor
of pair_export's connection) and Arrow's pool (``pyarrow.total_allocated_bytes``) and glibc's
malloc (``mallinfo2``: in use, and freed but kept): the peak of each, and the split at the
moment of the resident peak, say where memory grows.
"""

from __future__ import annotations

import json
import os
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
    # complete: marked as Spark marks a folder (bookkeeping, not a part: another file of
    # the folder would be refused by the readers); "done" is the mark of earlier runs
    done = folder / "_SUCCESS"
    if (folder / "done").exists():
        (folder / "done").rename(done)
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
    """Run in a child process: one measure, its time and this process's peak memory. Each
    side's time includes importing what it runs on (labstats: pandas, pyarrow, DuckDB;
    the pivot: DuckDB), as a user's script pays it."""
    import resource

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
        import duckdb

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
    own = resource.getrusage(resource.RUSAGE_SELF)
    peak = own.ru_maxrss / 1024  # kB -> MB (Linux)
    # CPU time of the whole process (every thread; imports included on both sides)
    return {"seconds": seconds, "peak_mb": peak, "cpu": own.ru_utime + own.ru_stime, **extra}


def _glibc():
    """(in use, free but kept) MB of glibc's malloc (``mallinfo2``: numpy, pandas and
    Python's large objects; not DuckDB's nor Arrow's own allocators), or None."""
    import ctypes

    class Info(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    try:
        call = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return lambda: (0.0, 0.0)
    call.restype = Info

    def read():
        i = call()
        return (i.uordblks + i.hblkhd) / 2**20, i.fordblks / 2**20
    return read


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def _measure_memory(folder: str, memory_limit: str) -> dict:
    """Run in a child process: pair_export with derive at ``memory_limit``, its resident
    memory, DuckDB's and Arrow's sampled every 50 ms (MB): peaks and the split at the
    resident peak."""
    import resource
    import threading

    import duckdb
    import pyarrow as pa

    import labstats

    connections = []
    connect = duckdb.connect

    def keep(*args, **kwargs):  # pair_export's connection, to read duckdb_memory()
        con = connect(*args, **kwargs)
        connections.append(con.cursor())
        return con

    duckdb.connect = keep
    samples, stop = [], threading.Event()
    glibc = _glibc()

    def sample():
        while not stop.wait(0.05):
            db = 0.0
            if connections:
                try:
                    db = connections[-1].execute(
                        "SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]
                    db = (db or 0) / 2**20
                except Exception:
                    db = 0.0
            samples.append((time.perf_counter(), _rss_mb(), db,
                            pa.total_allocated_bytes() / 2**20, *glibc()))

    thread = threading.Thread(target=sample, daemon=True)
    out = Path(tempfile.mkdtemp()) / "out.parquet"
    t = time.perf_counter()
    thread.start()
    counts = labstats.pair_export(folder, out, test_map=_test_map(), derive=True,
                                  rows_per_partition=1_000_000, memory_limit=memory_limit)
    seconds = time.perf_counter() - t
    stop.set()
    thread.join()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    at = max(samples, key=lambda x: x[1]) if samples else (t, 0.0, 0.0, 0.0, 0.0, 0.0)
    return {"seconds": seconds, "peak_mb": peak, "rows": counts["read"]["rows"],
            "draws": counts["pair"]["draws"], "path": counts["path"],
            "duckdb_peak_mb": max((x[2] for x in samples), default=0.0),
            "arrow_peak_mb": max((x[3] for x in samples), default=0.0),
            "at_peak": {"second": at[0] - t, "rss_mb": at[1], "duckdb_mb": at[2],
                        "arrow_mb": at[3], "malloc_used_mb": at[4], "malloc_free_mb": at[5]},
            # ~30 samples: second, resident, DuckDB, Arrow, malloc in use, malloc kept free
            "timeline": [[round(x[0] - t, 1), *(round(v) for v in x[1:])]
                         for x in samples[::max(1, len(samples) // 30)]]}


def memory(sizes=(2_500_000, 10_000_000, 40_000_000), memory_limit="1GB") -> list[dict]:
    """Peak memory of the out-of-core path at one ``memory_limit`` for each size."""
    rows = []
    for n in sizes:
        folder = _export(int(n))
        got = _child("memory", folder, memory_limit)
        rows.append({"target_rows": int(n), "memory_limit": memory_limit, **got})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def _child(kind: str, folder: Path, memory_limit: str | None = None) -> dict:
    """Run one measure in a child process; the draws it wrote (100-160 MB at 10 M rows,
    in a temporary folder of its own) are removed when it ends."""
    root = Path(__file__).resolve().parents[1]
    call = (f"_measure_memory({str(folder)!r}, {memory_limit!r})" if kind == "memory" else
            f"_measure({kind!r}, {str(folder)!r})")
    code = (f"import json, sys; sys.path.insert(0, {str(root)!r}); "
            f"from benchmarks.bench_routine import _measure, _measure_memory; "
            f"print(json.dumps({call}))")
    with tempfile.TemporaryDirectory(prefix="labstats-bench-") as tmp:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={**os.environ, "TMPDIR": tmp})
    return json.loads(res.stdout.strip().splitlines()[-1])


def _pairs(folder, kinds, repeats):
    """``repeats`` runs of each of ``kinds`` (measure, reference), alternating (the machine
    drifts; the pivot alone varies by 20 % between runs): the run of median ratio, and the
    ratios' range."""
    runs = []
    for _ in range(repeats):
        runs.append([_child(kind, folder) for kind in kinds])
    runs.sort(key=lambda pair: pair[0]["seconds"] / pair[1]["seconds"])
    ratios = [a["seconds"] / b["seconds"] for a, b in runs]
    return runs[len(runs) // 2], (ratios[0], ratios[-1])


def run(sizes=(2_500_000, 10_000_000), dask_sizes=(2_500_000,), repeats=3) -> list[dict]:
    """Median of ``repeats`` alternating runs of each side (ratio range in the name)."""
    rows = []
    for n in sizes:
        folder = _export(int(n))
        (ours, ref), (lo, hi) = _pairs(folder, ("labstats", "duckdb"), repeats)
        rows.append({
            "name": (f"read+pair+derive {ours['rows']:,} rows -> {ours['draws']:,} draws / "
                     f"DuckDB SQL pivot; median of {repeats} (ratios {lo:.2f}-{hi:.2f}); peak "
                     f"{ours['peak_mb']:,.0f} MB vs {ref['peak_mb']:,.0f} MB; CPU "
                     f"{ours['cpu']:.1f} s vs {ref['cpu']:.1f} s (goal: ratio <= 2, <= 3 GB, "
                     f"bounded)"),
            "seconds": ours["seconds"], "reference_seconds": ref["seconds"],
            "ratio": ours["seconds"] / ref["seconds"]})
        if n in dask_sizes:
            (cluster, alone), (lo, hi) = _pairs(folder, ("dask", "labstats"), repeats)
            rows.append({
                "name": (f"Dask, local cluster of 2 worker processes, {ours['rows']:,} rows / "
                         f"out of core on one machine; median of {repeats} (ratios "
                         f"{lo:.2f}-{hi:.2f}); peak (client + 2 x worker max) "
                         f"{cluster['peak_mb']:,.0f} MB"),
                "seconds": cluster["seconds"], "reference_seconds": alone["seconds"],
                "ratio": cluster["seconds"] / alone["seconds"]})
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, help="rows of each export")
    parser.add_argument("--memory", action="store_true",
                        help="peak memory of pair_export at one --memory-limit per size")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB's memory_limit")
    args = parser.parse_args()
    if args.memory:
        memory(tuple(args.sizes) or (2_500_000, 10_000_000, 40_000_000), args.memory_limit)
    else:
        from benchmarks.run import report

        report(run(tuple(args.sizes) or (2_500_000, 10_000_000)))
