"""Fonts for chart text, in particular CJK fonts for Chinese labels.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: Chinese labels
drawn with it come out as empty boxes, with a ``Glyph ... missing from font(s)``
warning. satscore therefore looks for an installed CJK font whenever
``language="zh"`` and **raises** :class:`~satscore.errors.MissingDependencyError`
when none is found, because a management chart with unreadable labels is worse
than no chart. The message names the fix:

* Debian/Ubuntu: ``apt-get install fonts-noto-cjk`` (then restart Python so that
  matplotlib rebuilds its font cache);
* other systems: install any CJK font (Noto Sans CJK, Source Han Sans, Microsoft
  YaHei, PingFang, SimHei, WenQuanYi) or pass ``font=`` with a family name or the
  path of a ``.ttf``/``.otf``/``.ttc`` file.

An explicit ``font`` is always honoured (in any language); a family name that
matplotlib does not know, or a path that does not exist, raises
:class:`~satscore.errors.OptionError`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.text import Text

from satscore._core.errors import MissingDependencyError, OptionError, SatscoreTypeError

__all__ = ["CJK_FAMILIES", "apply_font", "find_cjk_font", "resolve_font"]

#: CJK font families tried in order for ``language="zh"`` (simplified Chinese first).
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "SimHei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Arial Unicode MS",
)

_FALLBACK = "DejaVu Sans"


@functools.cache
def _installed_families() -> frozenset[str]:
    return frozenset(f.name for f in font_manager.fontManager.ttflist)


def find_cjk_font() -> str | None:
    """Return the first installed family of :data:`CJK_FAMILIES`, or ``None``.

    Examples
    --------
    >>> name = find_cjk_font()
    >>> name is None or isinstance(name, str)
    True
    """
    installed = _installed_families()
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    return None


def _family_from_path(path: Path) -> str:
    font_manager.fontManager.addfont(str(path))
    _installed_families.cache_clear()
    return font_manager.FontProperties(fname=str(path)).get_name()


def resolve_font(language: str, font: str | None) -> list[str] | None:
    """Font family list to use for chart text, or ``None`` to keep matplotlib's default.

    Parameters
    ----------
    language : {"en", "zh"}
        Language of the labels.
    font : str, optional
        A font family name known to matplotlib or the path of a font file.

    Returns
    -------
    list of str or None
        ``[font, "DejaVu Sans"]`` (DejaVu as glyph fallback), or ``None`` for
        English text without an explicit font.

    Raises
    ------
    MissingDependencyError
        ``language="zh"``, no ``font`` given and no CJK font installed.
    OptionError
        ``font`` is neither an installed family nor an existing font file.
    """
    if font is not None:
        if not isinstance(font, (str, Path)):
            msg = f"font must be a font family name or a font file path; found {font!r}."
            raise SatscoreTypeError(msg)
        path = Path(font)
        if path.suffix.lower() in {".ttf", ".otf", ".ttc"}:
            if not path.is_file():
                msg = (
                    f"font file {str(path)!r} does not exist; pass an existing .ttf/.otf/.ttc "
                    "file or an installed family name such as 'Noto Sans CJK SC'."
                )
                raise OptionError(msg)
            return [_family_from_path(path), _FALLBACK]
        if str(font) not in _installed_families():
            msg = (
                f"font={font!r} is not a font family matplotlib knows; pass an installed "
                "family (see matplotlib.font_manager.get_font_names()) or the path of a "
                ".ttf/.otf/.ttc file."
            )
            raise OptionError(msg)
        return [str(font), _FALLBACK]
    if language == "zh":
        cjk = find_cjk_font()
        if cjk is None:
            msg = (
                "language='zh' needs a CJK font for the Chinese labels, but none is installed "
                f"(looked for {', '.join(CJK_FAMILIES[:6])}, ...). Fix: install one, e.g. "
                "`apt-get install fonts-noto-cjk` on Debian/Ubuntu (then restart Python), or "
                "pass font='<family name or path to a .ttf/.otf/.ttc file>'."
            )
            raise MissingDependencyError(msg)
        return [cjk, _FALLBACK]
    return None


def apply_font(ax: Axes, families: list[str] | None) -> None:
    """Set *families* on every text artist of *ax* (tick labels, titles, legend, notes).

    Tick labels created later (e.g. on zoom) inherit it through ``tick_params``.
    """
    if families is None:
        return
    ax.tick_params(axis="both", which="both", labelfontfamily=families)
    for artist in ax.findobj(Text):
        artist.set_fontfamily(families)
    for child in ax.child_axes:
        apply_font(child, families)
