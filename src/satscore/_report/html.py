"""HTML building blocks of the quarterly report: CSS, inline SVG charts, escaping.

The report is one self-contained HTML file: charts are inline SVG (text kept as
SVG ``<text>`` naming the chart's font families, with CJK and generic fallbacks,
so the browser renders it with a local font), CSS is inline, and there are no
scripts, links or external references. Every CSS rule is scoped under
``.satscore-report`` so the fragment can be shown inside Jupyter without
restyling the notebook.
"""

from __future__ import annotations

import html
import io
import itertools
import re
from typing import Any

from matplotlib.axes import Axes

__all__ = ["CSS", "document", "esc", "svg_of"]

_counter = itertools.count(1)
# appended to every font-family list of a chart (browsers pick the first installed)
_SVG_FALLBACK = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
    "'WenQuanYi Micro Hei', sans-serif"
)

CSS = """
.satscore-report { --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --met: #018571;
  --notmet: #a6611a; --inconc: #253494; --bg: #ffffff; --panel: #f6f8fa;
  font-family: "Noto Sans", "Noto Sans CJK SC", "Segoe UI", "Helvetica Neue", Arial,
  "PingFang SC", "Microsoft YaHei", sans-serif;
  color: var(--ink); background: var(--bg); max-width: 1080px; margin: 0 auto;
  padding: 24px 28px 40px; line-height: 1.45; font-size: 14px; }
.satscore-report h1 { font-size: 24px; margin: 0 0 4px; }
.satscore-report h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid var(--ink); }
.satscore-report h3 { font-size: 15px; margin: 18px 0 6px; }
.satscore-report .subtitle { color: var(--muted); margin: 0 0 18px; }
.satscore-report .tiles { display: grid; gap: 12px;
  grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); }
.satscore-report .tile { border: 1px solid var(--line); border-left: 6px solid var(--muted);
  border-radius: 6px; padding: 10px 14px; background: var(--panel); break-inside: avoid; }
.satscore-report .tile.met { border-left-color: var(--met); }
.satscore-report .tile.not_met { border-left-color: var(--notmet); }
.satscore-report .tile.inconclusive { border-left-color: var(--inconc); }
.satscore-report .tile .name { font-weight: 600; font-size: 13px; color: var(--muted); }
.satscore-report .tile .value { font-size: 30px; font-weight: 700; margin: 2px 0; }
.satscore-report .tile .detail { font-size: 12px; color: var(--muted); }
.satscore-report .badge { display: inline-block; padding: 1px 8px; border-radius: 10px;
  font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.satscore-report .badge.met { background: var(--met); }
.satscore-report .badge.not_met { background: var(--notmet); }
.satscore-report .badge.inconclusive { background: var(--inconc); }
.satscore-report .unmeasured { color: var(--muted); font-size: 13px; margin-top: 10px; }
.satscore-report table { border-collapse: collapse; width: 100%; font-size: 13px;
  margin: 6px 0 4px; }
.satscore-report th, .satscore-report td { padding: 5px 8px; border-bottom: 1px solid var(--line);
  text-align: right; vertical-align: top; }
.satscore-report th:first-child, .satscore-report td:first-child { text-align: left; }
.satscore-report thead th { background: var(--panel); font-weight: 600; }
.satscore-report tr.suppressed td { color: var(--muted); font-style: italic; }
.satscore-report .up { color: var(--met); } .satscore-report .down { color: var(--notmet); }
.satscore-report figure { margin: 10px 0 16px; break-inside: avoid; }
.satscore-report figure svg { max-width: 100%; height: auto; display: block; }
.satscore-report figure.wide svg { width: 100%; }
.satscore-report figcaption { font-size: 12px; color: var(--muted); margin-top: 2px; }
.satscore-report .funnel .step { display: grid; grid-template-columns: 260px 1fr 220px;
  align-items: center; gap: 10px; margin: 6px 0; }
.satscore-report .funnel .bar { height: 22px; background: #e8ecf1; border-radius: 3px; }
.satscore-report .funnel .bar span { display: block; height: 100%; background: var(--met);
  border-radius: 3px; }
.satscore-report .note, .satscore-report .footnote { font-size: 12px; color: var(--muted); }
.satscore-report .footnote dt { font-weight: 600; color: var(--ink); margin-top: 6px; }
.satscore-report .footnote dd { margin: 0 0 0 14px; }
.satscore-report table.bases { width: auto; min-width: 320px; }
.satscore-report section { break-inside: auto; }
@media print {
  .satscore-report { max-width: none; padding: 0; font-size: 11px; }
  .satscore-report h2 { break-after: avoid; }
  .satscore-report figure, .satscore-report .tile, .satscore-report table { break-inside: avoid; }
  .satscore-report section.page { break-before: page; }
}
"""
_PAGE_CSS = "@page { size: A4; margin: 14mm; }"


def esc(value: Any) -> str:
    """HTML-escape ``str(value)`` (quotes included)."""
    return html.escape(str(value), quote=True)


def _fallbacks(match: re.Match[str]) -> str:
    """Append CJK and generic fallbacks to one ``font-family`` list of the SVG."""
    families = match.group(1).rstrip()
    return f"font-family: {families}, {_SVG_FALLBACK}"


def render_svg(fig: Any) -> str:
    """The SVG document of *fig*, laid out once and drawn once.

    A constrained-layout figure is otherwise laid out and drawn twice by
    ``savefig`` (a layout pass with a disabled renderer, then the real draw);
    here the layout engine runs once and is then switched off, so *fig* keeps
    its final layout and is drawn a single time. Text stays text
    (``svg.fonttype="none"``): writing every glyph as a path was the slowest part
    of the report. The setting applies only inside this call.
    """
    import matplotlib

    rc = {
        "svg.fonttype": "none",
        "svg.hashsalt": "satscore",
        "savefig.bbox": None,
        "figure.autolayout": False,
        "figure.constrained_layout.use": False,
    }
    buf = io.StringIO()
    with matplotlib.rc_context(rc):
        engine = fig.get_layout_engine()
        if engine is not None:
            engine.execute(fig)
            # no engine at all: savefig then skips its layout pre-draw (a placeholder
            # engine from set_layout_engine("none") would still trigger it)
            fig.set_layout_engine(None)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return buf.getvalue()


def svg_of(ax: Axes, *, alt: str) -> str:
    """Inline ``<svg>`` markup of the figure holding *ax*, with ids unique in the page.

    Text is SVG text (see :func:`render_svg`) whose font-family lists end with
    CJK and generic fallbacks, so Chinese labels render without the chart's
    exact font. Ids and references are prefixed per chart so several charts can
    share one document.
    """
    text = render_svg(ax.figure)
    text = re.sub(r"font-family: ?([^;\"]*?)(?:, ?sans-serif)?(?=[;\"])", _fallbacks, text)
    text = text[text.index("<svg") :]
    prefix = f"c{next(_counter)}-"
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', text)
    text = text.replace("<svg ", f'<svg role="img" aria-label="{esc(alt)}" ', 1)
    # HTML5 inline SVG needs no namespace declarations; SVG 2 takes plain href
    text = re.sub(r'\sxmlns(:xlink)?="[^"]*"', "", text)
    text = text.replace("xlink:href=", "href=")
    text = text.replace(
        '<style type="text/css">*{', '<style type="text/css">.satscore-report svg *{'
    )
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return text.strip()


def figure(ax: Axes, *, alt: str, caption: str | None = None) -> str:
    """``<figure>`` with the inline SVG of *ax* and an optional caption."""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg_of(ax, alt=alt)}{cap}</figure>"


def document(body: str, *, title: str, language: str) -> str:
    """A complete HTML5 document around the report *body* (a ``.satscore-report`` div)."""
    lang = "zh-CN" if language == "zh" else "en"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}{_PAGE_CSS}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def fragment(body: str) -> str:
    """The report body with its (scoped) CSS, for Jupyter's ``_repr_html_``."""
    return f"<style>{CSS}</style>{body}"
