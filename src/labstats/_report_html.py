"""A notebook's HTML page for ``labstats.report``, whole without a network: nbconvert's
lab template without its scripts from a CDN (require.js, MathJax, mermaid), the notebooks'
TeX drawn as SVG when the page is written (matplotlib's mathtext), and a link back to the
index. Opened offline, MathJax from the CDN left every formula as raw ``$...$`` text."""

from __future__ import annotations

import base64
import functools
import html
import io
import threading

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


@functools.lru_cache(maxsize=1024)
def tex_html(tex: str, display: bool = False) -> str:
    """TeX ``tex`` as an inline SVG image (its TeX as alt text), on the baseline of the
    text; a ``<code>`` of the TeX if mathtext cannot draw it."""
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    svg = io.BytesIO()
    try:
        with _MATHTEXT:
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
