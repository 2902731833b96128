"""The main job: execute the notebooks and write an HTML report a person can open.

``build_report(out)`` runs every ``notebooks/NN_*.py`` (jupytext percent format) top to
bottom with nbclient, renders each to a standalone HTML page (nbconvert), saves every
figure as PNG under ``figures/``, and writes ``index.html`` linking them with the run
status of each notebook. A notebook that fails is reported on the index page, in red,
with its error, and makes the run fail: a report never hides an error.
"""

from __future__ import annotations

import base64
import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NotebookRun", "build_report", "find_notebooks"]

DATA_CHOICES = ("synthetic", "nhanes")


@dataclass
class NotebookRun:
    """What happened to one notebook."""

    path: Path
    html: Path | None = None
    seconds: float = 0.0
    error: str | None = None
    figures: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


def find_notebooks(directory: str | os.PathLike | None = None) -> list[Path]:
    """``NN_*.py`` notebooks in ``directory`` (default: ./notebooks, else the repository's)."""
    candidates = [Path(directory)] if directory else [
        Path.cwd() / "notebooks", Path(__file__).resolve().parents[2] / "notebooks"]
    for d in candidates:
        found = sorted(d.glob("[0-9][0-9]_*.py"))
        if found:
            return found
    where = ", ".join(str(d) for d in candidates)
    raise FileNotFoundError(f"no notebooks (NN_*.py) found in {where}; pass --notebooks DIR")


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def _run_one(path: Path, out: Path, data: str, timeout: int) -> NotebookRun:
    import jupytext
    import nbclient
    from nbconvert import HTMLExporter

    run = NotebookRun(path)
    nb = jupytext.read(path)
    env_before = {k: os.environ.get(k) for k in ("LABSTATS_DATA", "MPLBACKEND")}
    os.environ["LABSTATS_DATA"] = data
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # PNGs, no screen
    t = time.perf_counter()
    try:
        nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as exc:  # a failing cell: keep what ran, report the error
        run.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:500]}"
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    run.seconds = time.perf_counter() - t
    nb.metadata["title"] = _title(nb, path.stem)
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    run.html = out / f"{path.stem}.html"
    run.html.write_text(body, encoding="utf-8")
    figdir = out / "figures"
    k = 0
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            png = o.get("data", {}).get("image/png") if hasattr(o, "get") else None
            if png:
                k += 1
                figdir.mkdir(parents=True, exist_ok=True)
                fig = figdir / f"{path.stem}_{k:02d}.png"
                fig.write_bytes(base64.b64decode(png))
                run.figures.append(fig)
    return run


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>labstats report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; }}
.ok {{ color: #1a7f37; }} .fail {{ color: #b00020; font-weight: bold; }}
.thumbs img {{ height: 120px; margin: .2rem; border: 1px solid #ccc; }}
</style></head><body>
<h1>labstats report</h1>
<p>Data: <b>{data}</b>. Generated {when} by labstats {version}. Each notebook was executed
top to bottom; every number it asserts was checked during the run.</p>
<table><tr><th>notebook</th><th>status</th><th>run time</th><th>figures</th></tr>
{rows}
</table>
<p>labstats computes and describes; it does not recommend treatments, doses or
"optimal" levels. Reference ranges appear only with their published source.</p>
</body></html>
"""


def build_report(out: str | os.PathLike = "report", *, data: str = "synthetic",
                 notebooks: str | os.PathLike | None = None, timeout: int = 300,
                 progress: bool = True) -> list[NotebookRun]:
    """Execute the notebooks and write ``out/index.html``, one HTML page per notebook and
    ``out/figures/*.png``.

    Parameters
    ----------
    out : path, default "report"
        Output folder (created).
    data : {"synthetic", "nhanes"}, default "synthetic"
        Passed to the notebooks as ``LABSTATS_DATA``: the embedded synthetic cohort, or the
        NHANES files the user fetched (``labstats.datasets.fetch_nhanes``).
    notebooks : path, optional
        Folder of ``NN_*.py`` notebooks (default: ./notebooks).
    timeout : int, default 300
        Seconds allowed per cell.
    progress : bool, default True
        Show a progress bar naming the running notebook.

    Returns
    -------
    list of NotebookRun
    """
    from tqdm.auto import tqdm

    import labstats

    if data not in DATA_CHOICES:
        raise ValueError(f"data must be one of {DATA_CHOICES}, got {data!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = find_notebooks(notebooks)
    runs = []
    bar = tqdm(paths, unit="notebook", disable=not progress)
    for path in bar:
        bar.set_description(path.stem)
        runs.append(_run_one(path, out, data, timeout))
    rows = []
    for r in runs:
        status = ('<span class="ok">ran, all assertions held</span>' if r.ok else
                  f'<span class="fail">failed: {html.escape(r.error)}</span>')
        thumbs = "".join(f'<a href="figures/{f.name}"><img src="figures/{f.name}" '
                         f'alt="{f.stem}"></a>' for f in r.figures)
        rows.append(f'<tr><td><a href="{r.html.name}">{html.escape(r.path.stem)}</a></td>'
                    f'<td>{status}</td><td>{r.seconds:.1f} s</td>'
                    f'<td class="thumbs">{thumbs}</td></tr>')
    (out / "index.html").write_text(_PAGE.format(
        data=html.escape(data), when=time.strftime("%Y-%m-%d %H:%M"),
        version=labstats.__version__, rows="\n".join(rows)), encoding="utf-8")
    return runs
