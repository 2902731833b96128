"""``labstats.derive`` on wide frames, as ratios measured side by side in one run.

(a) A frame of 1 million paired draws (``make_lab_results`` MIMIC shape -> ``read_lab_results``
    -> ``pair_results``, tiled; columns total_testosterone, shbg, albumin, glucose with their
    ``_censored`` and ``_source_row`` columns and the draw's provenance), as
    ``pair_export(..., derive=True)`` hands derive its batches (issue 12):
    - derive / the same formulas (free and bioavailable testosterone, FAI) called directly
      on the columns as numpy arrays: what derive's checks, registry and frame cost;
    - derive / memory floor (read total testosterone, SHBG and albumin once, write one
      array; ``_common.floor_seconds``);
    - the first derive of a batch of 250,000 draws in a fresh process (imports, kernel
      loading: CPU time) / the same call once warm.
(b) The NHANES 2011-2016 wide frame (``load_nhanes``: every formula whose inputs it has):
    derive / each registered formula called directly on numpy arrays.

Times are the best of several runs, CPU time of this process (steadier than wall time on
a shared machine; every step here is single-threaded), except the floor (wall time, as
every benchmark's).

Run: ``python benchmarks/run.py benchmarks.bench_derive`` (or ``python -m
benchmarks.bench_derive [rows]``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from benchmarks._common import best_of, floor_seconds

BATCH = 250_000  # pair_export's batch of draws with rows_per_partition=1,000,000


def paired_draws(rows: int = 1_000_000, patients: int = 20_000):
    """A frame of ``rows`` paired draws: one paired export of ``patients``, tiled."""
    import pandas as pd

    import labstats

    export = labstats.make_lab_results(patients, seed=1, shape="mimic")
    results = labstats.read_lab_results(export, test_map=export.attrs["test_map"])
    draws = labstats.pair_results(results)
    draws.attrs = {}  # attrs hold DataFrames, which concat would compare
    reps = -(-rows // len(draws))
    out = pd.concat([draws] * reps, ignore_index=True).iloc[:rows].reset_index(drop=True)
    out.attrs = {}
    return out


def _direct(frame):
    """A call of ``derive``'s formulas on the frame's columns as numpy arrays."""
    from labstats.datasets.derive import _REGISTRY

    calls = []
    for d in _REGISTRY.values():
        if all(c in frame.columns for c in d.inputs):
            args = {c: frame[c].to_numpy() for c in (*d.inputs, *d.optional)
                    if c in frame.columns}
            calls.append((d.resolve(), args, d.kwargs))

    def call_all():
        for fn, args, kwargs in calls:
            fn(**args, **kwargs)
    return call_all


_FIRST_CALL = """
import sys, time
import pandas as pd
frame = pd.read_pickle(sys.argv[1])
t = time.process_time()
import labstats
labstats.derive(frame)
first = time.process_time() - t
steady = []
for _ in range(3):
    t = time.process_time()
    labstats.derive(frame)
    steady.append(time.process_time() - t)
print(first, min(steady))
"""


def _first_call(frame) -> tuple[float, float]:
    """CPU seconds of the first and of a later derive of ``frame`` in a fresh process
    running the labstats this process runs."""
    import labstats

    src = str(Path(labstats.__file__).resolve().parents[1])
    paths = [src, *filter(None, [os.environ.get("PYTHONPATH")])]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.pkl"
        frame.to_pickle(path)
        out = subprocess.run([sys.executable, "-c", _FIRST_CALL, str(path)],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)})
    first, steady = (float(v) for v in out.stdout.split())
    return first, steady


def run(rows: int = 1_000_000) -> list[dict]:
    import labstats

    frame = paired_draws(rows)
    tt, sb, alb = (frame[c].to_numpy() for c in ("total_testosterone", "shbg", "albumin"))
    cpu = time.process_time
    labstats.derive(frame)
    t_derive = best_of(lambda: labstats.derive(frame), 5, cpu)
    t_direct = best_of(_direct(frame), 5, cpu)
    t_floor = floor_seconds(tt, sb, alb, repeat=5)
    first, steady = _first_call(frame.iloc[:BATCH].copy())
    nhanes = labstats.load_nhanes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # validity-range warnings (age < 18, TG > 400 ...)
        labstats.derive(nhanes)  # compiled kernels of LDL and eGFR loaded here, not timed
        t_nh = best_of(lambda: labstats.derive(nhanes), 5, cpu)
        t_nh_direct = best_of(_direct(nhanes), 5, cpu)
    n = f"{len(frame):,} paired draws"
    return [
        {"name": f"derive, {n} / its 3 formulas on numpy arrays", "seconds": t_derive,
         "reference_seconds": t_direct, "ratio": t_derive / t_direct},
        {"name": f"derive, {n} / memory floor (read 3 arrays, write 1)",
         "seconds": t_derive, "reference_seconds": t_floor, "ratio": t_derive / t_floor},
        {"name": f"first derive of {BATCH:,} draws in a fresh process (CPU) / once warm",
         "seconds": first, "reference_seconds": steady, "ratio": first / steady},
        {"name": f"derive, NHANES {len(nhanes):,} rows x {nhanes.shape[1]} columns / its "
                 f"formulas on numpy arrays", "seconds": t_nh,
         "reference_seconds": t_nh_direct, "ratio": t_nh / t_nh_direct},
    ]


if __name__ == "__main__":
    from benchmarks.run import report

    report(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
