"""The report's HTML comes from Jinja2 templates (package data under ``templates/``).

Templates (autoescaping on: every ``{{ value }}`` is HTML-escaped unless it is
:class:`~markupsafe.Markup`, i.e. an inline chart or an already rendered body):

- ``document.html.j2`` -- the HTML5 shell: head, inline CSS (``report.css``,
  every rule scoped under ``.satscore-report``), A4 print rules, body;
  ``fragment.html.j2`` -- the body with its CSS, for Jupyter;
- ``report.html.j2`` -- the layout every report extends: the
  ``satscore-report`` div, a header (title, subtitle), the ``sections`` block,
  a footer block;
- ``macros.html.j2`` -- building blocks: ``section``, ``kpi_tile``,
  ``data_table``, ``chart`` (inline SVG with an optional caption), ``note``;
- ``quarterly.html.j2`` -- the quarterly report: each section view rendered
  by ``sections/<id>.html.j2``.

The report is self-contained: no scripts, no links, no external URLs.
"""

from __future__ import annotations

from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["document", "fragment", "html_lang", "render"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("satscore._report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(name: str, **context: Any) -> Markup:
    """Render template *name* (``quarterly.html.j2``, ...) with *context*."""
    return Markup(_ENV.get_template(name).render(**context))


def html_lang(language: str) -> str:
    """The HTML ``lang`` of a report language."""
    return "zh-CN" if language == "zh" else "en"


def document(body: Markup, *, title: str, language: str) -> str:
    """A complete HTML5 document around the report *body* (a ``.satscore-report`` div).

    Examples
    --------
    >>> from markupsafe import Markup
    >>> html = document(
    ...     Markup('<div class="satscore-report"></div>'), title="Q4 <draft>", language="zh"
    ... )
    >>> html.startswith('<!DOCTYPE html>\\n<html lang="zh-CN">'), "<title>Q4 &lt;draft&gt;<" in html
    (True, True)
    """
    return str(render("document.html.j2", body=body, title=title, lang=html_lang(language)))


def fragment(body: Markup) -> str:
    """The report body with its (scoped) CSS, for Jupyter's ``_repr_html_``."""
    return str(render("fragment.html.j2", body=body))
