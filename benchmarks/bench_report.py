"""Wall time of ``labstats report`` (the five notebooks), as a ratio to one trivial notebook.

Run standalone from the project root::

    .venv/bin/python benchmarks/bench_report.py

Workloads, all through the same path (``labstats.report.build_report``: kernel start and
warm-up, nbclient execution, nbconvert HTML, figures), in one run:

* reference: a report of one trivial notebook (one cell, ``x = 1``), best of 2 after a
  first call that imports the tooling;
* the report of the repository's notebooks with ``jobs=2`` (the default) and ``jobs=1``;
* the same notebooks as separate one-notebook reports, one after the other: a fresh kernel
  per notebook, as the report ran before issue 11.

The ratio is seconds / reference seconds (lower is faster). Goal (issue 11 part 4): the
default report <= 25 s on a 2-core machine; the ratio says how many "trivial notebooks"
it costs, which varies much less with the machine than the seconds do.

``run()`` returns rows {"name", "seconds", "reference_seconds", "ratio"} for
benchmarks/run.py.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(**kwargs) -> float:
    from labstats.report import build_report

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        runs = build_report(Path(tmp) / "report", progress=False, **kwargs)
        seconds = time.perf_counter() - t
    failed = [r.path.name for r in runs if not r.ok]
    if failed:
        raise RuntimeError(f"bench_report: notebooks failed: {', '.join(failed)}")
    return seconds


def run() -> list[dict]:
    notebooks = ROOT / "notebooks"
    paths = sorted(notebooks.glob("[0-9][0-9]_*.py"))
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "nb"
        trivial.mkdir()
        (trivial / "01_trivial.py").write_text("# %% [markdown]\n# # Trivial\n\n# %%\nx = 1\n")
        _timed(notebooks=trivial)  # imports nbclient, nbconvert, jupytext once
        reference = min(_timed(notebooks=trivial) for _ in range(2))
        rows = []
        for name, seconds in (
                (f"report, {len(paths)} notebooks, jobs=2 (default)",
                 _timed(notebooks=notebooks, jobs=2)),
                (f"report, {len(paths)} notebooks, jobs=1", _timed(notebooks=notebooks, jobs=1)),
                (f"{len(paths)} one-notebook reports in turn (fresh kernel each, as before)",
                 sum(_separately(p, Path(tmp)) for p in paths))):
            rows.append({"name": name, "seconds": seconds, "reference_seconds": reference,
                         "ratio": seconds / reference})
    return rows


def _separately(path: Path, tmp: Path) -> float:
    """One notebook on a fresh kernel (start, warm-up, run, page), as the old loop did."""
    import asyncio

    from labstats import report

    out = tmp / path.stem
    out.mkdir()
    errors = []

    async def done(i, nb, seconds, error, used):
        errors.append(error)
        report._write_pages(nb, report.NotebookRun(path, error=error), out)

    t = time.perf_counter()
    asyncio.run(report._run_all([path], "nhanes", 300, 1, done))  # the default data
    seconds = time.perf_counter() - t
    if errors != [None]:
        raise RuntimeError(f"bench_report: {path.name} failed: {errors}")
    return seconds


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from benchmarks.run import report

    print("reference: a report of one trivial notebook (x = 1), same nbclient path")
    report(run())
