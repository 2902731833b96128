"""The notebooks for the documentation, executed by ``labstats report`` and reused.

Executing the notebooks is the slow part of a documentation build, so the build does not
execute them through Sphinx: it runs :func:`labstats.report.build_report` (the project's
own runner: two warm kernels at a time, data checked first, warnings turned into notes),
which keeps every executed notebook as ``.ipynb`` beside its HTML page, and myst-nb renders
those with execution off. The executed notebooks are cached under ``_build/notebooks``
with a SHA-256 of everything that can change their outputs (the notebooks and the
package's sources and data); a build with the same key reuses them, any change re-runs
the report. A notebook that fails fails the build (never a page with a stale output).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path


def _key(root: Path) -> str:
    h = hashlib.sha256()
    files = sorted((root / "notebooks").glob("[0-9][0-9]_*.py"))
    files += sorted(p for p in (root / "src" / "labstats").rglob("*")
                    if p.is_file() and p.suffix in {".py", ".csv", ".json", ".parquet"})
    for p in files:
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def executed_notebooks(root: Path, cache: Path, target: Path) -> list[str]:
    """Copy the executed notebooks into ``target`` (running the report into ``cache`` if
    its key changed); write ``target/index.md``; return the notebook stems."""
    key = _key(root)
    stamp = cache / "KEY"
    if not (stamp.exists() and stamp.read_text() == key):
        from labstats.report import build_report

        shutil.rmtree(cache, ignore_errors=True)
        runs = build_report(cache, notebooks=root / "notebooks", progress=False)
        failed = [f"{r.path.name}: {r.error}" for r in runs if not r.ok]
        if failed:
            raise RuntimeError("notebooks failed, the documentation is not built:\n"
                               + "\n".join(failed))
        stamp.write_text(key)
    target.mkdir(parents=True, exist_ok=True)
    stems = sorted(p.stem for p in cache.glob("[0-9][0-9]_*.ipynb"))
    for old in target.glob("*.ipynb"):
        if old.stem not in stems:
            old.unlink()
    for stem in stems:
        src, dst = cache / f"{stem}.ipynb", target / f"{stem}.ipynb"
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
    index = ("# Notebooks\n\nEach notebook asks one question of the data and asserts the "
             "published numbers it reproduces; they are executed by `labstats report` for this "
             "site (the same run as `make demo`), so every output below was produced by the "
             "code above it. The sources are jupytext percent files in `notebooks/`; open them "
             "in JupyterLab with `make lab`.\n\n```{toctree}\n:maxdepth: 1\n\n"
             + "".join(f"{s}\n" for s in stems) + "```\n")
    if not (target / "index.md").exists() or (target / "index.md").read_text() != index:
        (target / "index.md").write_text(index)
    return stems
