"""The pages of ``labstats.report``: the index (``INDEX_PAGE``, ``index_row``), and a
notebook's page, whole without a network: nbconvert's
lab template without its scripts from a CDN (require.js, MathJax, mermaid), the notebooks'
TeX drawn as SVG when the page is written (matplotlib's mathtext), and a link back to the
index. Opened offline, MathJax from the CDN left every formula as raw ``$...$`` text."""

from __future__ import annotations

import base64
import functools
import html
import io
import threading
import urllib.parse

#: Nothing fetched when a page opens; a way back to the index.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block body_header -%}{{ super() }}
<nav style="font-family:system-ui,sans-serif;margin:.5rem 0 0 1rem"><a href="index.html">
&larr; labstats report</a></nav>
{%- endblock body_header -%}
"""

_MATHTEXT = threading.Lock()  # (pages are written in threads; mathtext's parser is shared)


# Each distinct formula drawn once per process (notebook 01 draws the same ones on every
# run); 1024 of them, 4-13 kB of SVG each, hold at most about 13 MB (labstats' notebooks
# have 7).
@functools.lru_cache(maxsize=1024)
def tex_html(tex: str, display: bool = False) -> str:
    """TeX ``tex`` as an inline SVG image (its TeX as alt text), on the baseline of the
    text; a ``<code>`` of the TeX if mathtext cannot draw it."""
    import matplotlib
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    svg = io.BytesIO()
    try:  # (mathtext, not LaTeX, whatever a matplotlibrc says: text.usetex)
        with _MATHTEXT, matplotlib.rc_context({"text.usetex": False}):
            # dpi 72: one unit of the SVG (pt) per point, and ``depth`` in points; 11 pt is
            # 14.7 CSS px, the size of the lab template's text (--jp-content-font-size1: 14px)
            depth = mathtext.math_to_image(f"${tex.strip()}$", svg, format="svg", dpi=72,
                                           prop=FontProperties(size=11))
    except ValueError:  # (a command or environment mathtext lacks)
        shown = f"$${tex}$$" if display else f"${tex}$"
        return f'<code title="TeX (not drawn)">{html.escape(shown)}</code>'
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")
    img = (f'<img class="labstats-math" src="{src}" alt="{html.escape(tex.strip())}" '
           f'style="vertical-align:-{depth:.1f}pt;margin:0 .1em">')
    return f'<div style="text-align:center;margin:.6em 0">{img}</div>' if display else img


def exporter():
    """nbconvert's HTMLExporter (lab template) writing pages as said above."""
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class Renderer(IPythonRenderer):
        def inline_math(self, body: str) -> str:
            return tex_html(body)

        def block_math(self, body: str) -> str:
            return tex_html(body, display=True)

        def latex_environment(self, name: str, body: str) -> str:
            return tex_html(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    class Exporter(HTMLExporter):
        @jinja2.pass_context
        def markdown2html(self, context, source):  # (HTMLExporter's, with Renderer)
            cell = context.get("cell", {})
            renderer = Renderer(
                escape=False, attachments=cell.get("attachments", {}),
                embed_images=self.embed_images,
                path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                anchor_link_text=self.anchor_link_text,
                exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
            return MarkdownWithMath(renderer=renderer).render(source)

    return Exporter(template_name="lab", template_file="labstats.html.j2",
                    extra_loaders=[jinja2.DictLoader({"labstats.html.j2": _TEMPLATE})])


# --------------------------------------------------------------------------- index
#: The index page's title: what marks a folder as an earlier labstats report
#: (``report._report_folder``), replaced whole by the next run.
INDEX_TITLE = "<title>labstats report</title>"

#: A reason shown in one cell of the index (an error's text, cut).
ERROR_CHARS = 500

#: The index; its text at the browser's default size (16 px), the warnings and the data
#: column a step below it (.9rem, 14.4 px): details beside a notebook's name and status.
INDEX_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
""" + INDEX_TITLE + """
<style>
body {{ font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left;
          vertical-align: top; }}
.ok {{ color: #1a7f37; }} .fail {{ color: #b00020; font-weight: bold; }}
.warn {{ color: #8a6d00; font-size: .9rem; }} .warn li {{ margin: .2rem 0; }}
.thumbs img {{ max-height: 120px; max-width: 100%; margin: .2rem; border: 1px solid #ccc; }}
td:first-child {{ max-width: 14rem; }}
td.data {{ font-size: .9rem; min-width: 10rem; }} .none {{ color: #666; }}
td.status {{ min-width: 8rem; }}
</style></head><body>
<h1>labstats report</h1>
<p>Data: <b>{data}</b>. Generated {when} by labstats {version} in {seconds:.0f} s. Each
notebook was executed top to bottom in an empty namespace; every number it asserts was
checked during the run, on the data named in its row.</p>
<table><tr><th>notebook</th><th>data used</th><th>status</th><th>run time</th>
<th>figures</th></tr>
{rows}
</table>
<p>labstats computes and describes; it does not recommend treatments, doses or
"optimal" levels. Reference ranges appear only with their published source.</p>
</body></html>
"""


def _href(*parts: str) -> str:
    """A relative URL to the report's file ``parts``, for an attribute: a notebook's name
    may hold '#', '%', '?', '"', spaces, any letter."""
    return html.escape("/".join(urllib.parse.quote(p) for p in parts))


def index_row(r) -> str:
    """The row of ``r`` (a ``NotebookRun``) on the index."""
    status = ('<span class="ok">ran, all assertions held</span>' if r.ok else
              f'<span class="fail">failed: {html.escape(r.error)}</span>')
    if r.warnings:
        items = "".join(f"<li><b>{html.escape(w['category'])}</b> (cell [{w['cell']}]): "
                        f"{html.escape(w['message'])}</li>" for w in r.warnings)
        status += (f'<details class="warn"><summary>{len(r.warnings)} warning'
                   f'{"s" if len(r.warnings) > 1 else ""}</summary><ul>{items}</ul></details>')
    thumbs = "".join(f'<a href="{_href("figures", f.name)}"><img src="{_href("figures", f.name)}" '
                     f'alt="{html.escape(f.stem)}"></a>' for f in r.figures)
    name = html.escape(r.path.stem).replace("_", "_<wbr>")  # long names wrap at a _
    link = f'<a href="{_href(r.html.name)}">{name}</a>' if r.html else name
    used = list(dict.fromkeys(d or "a cohort without a description" for d in r.data or []))
    # (a failed cell may leave the kernel running or not: the one reason is not known)
    unknown = ("its kernel did not answer when asked" if r.ok else
               "its kernel had stopped or did not answer when asked")
    data = ("<br>".join(map(html.escape, used)) if used else
            f'<span class="none">not known ({unknown})</span>' if r.data is None else
            '<span class="none">no cohort (published examples only)</span>' if r.ok else
            '<span class="none">none read before it failed</span>')
    return (f'<tr><td>{link}</td><td class="data">{data}</td><td class="status">{status}</td>'
            f'<td>{r.seconds:.1f} s</td><td class="thumbs">{thumbs}</td></tr>')
