"""Charts as inline SVG: matplotlib's SVG writer, set up for an HTML page.

Matplotlib's own options do most of the work (:func:`render_svg`): text stays
SVG ``<text>`` (``svg.fonttype="none"``), no ``<metadata>`` block
(``metadata`` keys set to ``None``) and ids are content hashes salted per chart
(``svg.hashsalt``), so the same inputs give the same bytes and the clip paths
and markers of several charts in one page never share an id.

What matplotlib cannot be told is done on the parsed XML tree
(:func:`inline_svg`, :mod:`xml.etree.ElementTree`): namespaces and the DOCTYPE
are dropped (HTML5 inline SVG needs neither, and the report holds no URL), the
``<g>`` group ids (``figure_1``, ``axes_1``, ... numbered afresh in every chart,
referenced by nothing) are removed, the default ``<style>`` moves to the report
CSS, every ``font-family`` list gets CJK and generic fallbacks, and the
``<svg>`` gets ``role="img"`` and its accessible name.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Any

import matplotlib
from markupsafe import Markup

__all__ = ["FALLBACK_FONTS", "inline_svg", "render_svg"]

#: appended to every font-family list of a chart (browsers pick the first installed)
FALLBACK_FONTS = (
    "'Noto Sans CJK SC'",
    "'Source Han Sans SC'",
    "'PingFang SC'",
    "'Microsoft YaHei'",
    "'WenQuanYi Micro Hei'",
    "sans-serif",
)
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


def render_svg(fig: Any, *, salt: str = "satscore") -> str:
    """The SVG document of *fig*, laid out once and drawn once.

    A constrained-layout figure is otherwise laid out and drawn twice by
    ``savefig`` (a layout pass with a disabled renderer, then the real draw);
    here the layout engine runs once and is then switched off, so *fig* keeps
    its final layout and is drawn a single time. Text stays text
    (``svg.fonttype="none"``): writing every glyph as a path was the slowest part
    of the report. *salt* seeds the ids (``svg.hashsalt``). The settings apply
    only inside this call.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.add_subplot().set_title("Q4")
    >>> svg = render_svg(fig)
    >>> ">Q4</text>" in svg, "<metadata" in svg, svg == render_svg(fig)
    (True, False, True)
    """
    rc = {
        "svg.fonttype": "none",
        "svg.hashsalt": salt,
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
        fig.savefig(buf, format="svg", metadata=_NO_METADATA)
    return buf.getvalue()


def _with_fallbacks(style: str) -> str:
    """A CSS declaration list whose ``font-family`` ends with :data:`FALLBACK_FONTS`."""
    declarations = []
    for declaration in style.split(";"):
        name, sep, value = declaration.partition(":")
        if sep and name.strip() == "font-family":
            families = [f.strip() for f in value.split(",") if f.strip()]
            families = [f for f in families if f != "sans-serif"]
            value = " " + ", ".join(dict.fromkeys([*families, *FALLBACK_FONTS]))
        declarations.append(f"{name}{sep}{value}")
    return ";".join(declarations)


def inline_svg(fig: Any, *, alt: str, salt: str) -> Markup:
    """Inline ``<svg>`` markup of *fig* for an HTML page, named *alt* for screen readers.

    *salt* must differ between the charts of one page (it makes their ids differ).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.add_subplot().set_title("Q4")
    >>> svg = inline_svg(fig, alt="Trend", salt="c1")
    >>> svg.startswith("<svg width="), 'role="img" aria-label="Trend"' in svg
    (True, True)
    >>> "xmlns" in svg, "figure_1" in svg, "'WenQuanYi Micro Hei', sans-serif" in svg
    (False, False, True)
    """
    root = ET.fromstring(render_svg(fig, salt=salt))  # comments and DOCTYPE are not kept
    for el in root.iter():
        el.tag = el.tag.rpartition("}")[2]
        for key in [k for k in el.attrib if k.startswith("{")]:
            el.attrib[key.rpartition("}")[2]] = el.attrib.pop(key)  # xlink:href -> href
        if el.tag == "g":
            el.attrib.pop("id", None)
        if "font-family" in el.get("style", ""):
            el.set("style", _with_fallbacks(el.get("style", "")))
    for defs in root.findall("defs"):
        for style in defs.findall("style"):
            defs.remove(style)
        if not len(defs):
            root.remove(defs)
    root.set("role", "img")
    root.set("aria-label", alt)
    return Markup(ET.tostring(root, encoding="unicode"))
