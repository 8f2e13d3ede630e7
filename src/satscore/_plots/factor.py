"""Factor-analysis charts: scree plot with parallel analysis, loadings heatmap."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from satscore._core.checks import check_option
from satscore._core.errors import OptionError, SatscoreTypeError
from satscore._core.i18n import t
from satscore._plots.fonts import apply_font
from satscore._plots.style import ESTIMATE, FLAG, frame_axes, new_axes, prepare, wrap_label

__all__ = ["intended_factors", "plot_loadings", "plot_scree"]

_LOADING_CMAP = LinearSegmentedColormap.from_list(
    "satscore_loadings", ["#8c510a", "#dfc27d", "#f7f7f7", "#80cdc1", "#01665e"]
)


def plot_scree(
    parallel_analysis_result: Any,
    *,
    show: str = "both",
    language: str = "en",
    font: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Scree plot of observed eigenvalues against those of random and resampled data.

    As R ``psych::fa.parallel``: observed eigenvalues (solid), the replicate
    quantile of simulated random data (dashed) and of column-wise resampled
    data (dotted) when computed; the suggested numbers of factors / components
    (observed above simulated) are in the title.

    Parameters
    ----------
    parallel_analysis_result : ParallelAnalysisResult
        Result of :func:`satscore.parallel_analysis` (its ``eigenvalues`` table).
    show : {"both", "factors", "components"}
        Common-factor eigenvalues, principal-component eigenvalues, or both
        (those the result holds).
    language, font, ax
        As in :func:`satscore.plot_likert`.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the observed lines.

    Returns
    -------
    matplotlib.axes.Axes
        Lines with gids ``"fa_observed"``, ``"fa_simulated"``, ``"fa_resampled"``,
        ``"pc_observed"``, ``"pc_simulated"``, ``"pc_resampled"`` (those present);
        y data are the ``*_observed`` / ``*_quantile`` columns.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6))
    >>> from satscore import parallel_analysis
    >>> res = parallel_analysis(pd.DataFrame(x), n_iter=5, seed=1)
    >>> ax = plot_scree(res)
    >>> [line.get_gid() for line in ax.lines][:3]
    ['fa_observed', 'fa_simulated', 'fa_resampled']
    >>> # R: psych::fa.parallel(x, n.iter = 5)
    """
    lang, families = prepare(language, font)
    check_option("show", show, ("both", "factors", "components"))
    table = getattr(parallel_analysis_result, "eigenvalues", None)
    if not isinstance(table, pd.DataFrame):
        msg = (
            "plot_scree needs the result of satscore.parallel_analysis; found "
            f"{type(parallel_analysis_result).__name__}."
        )
        raise SatscoreTypeError(msg)
    kinds = {"both": ("fa", "pc"), "factors": ("fa",), "components": ("pc",)}[show]
    kinds = tuple(
        k
        for k in kinds
        if f"{k}_observed" in table.columns and table[f"{k}_observed"].notna().any()
    )
    if not kinds:
        msg = f"the parallel analysis holds no {show} eigenvalues; run it with fa='both'."
        raise OptionError(msg)
    ax = new_axes(ax, (6.5, 3.8))
    x = np.asarray(table.index, dtype=float)
    colors = {"fa": ESTIMATE, "pc": "#35978f"}
    markers = {"fa": "o", "pc": "^"}
    names = {"fa": "FA", "pc": "PC"}
    notes = []
    for k in kinds:
        suffix = f" ({names[k]})" if len(kinds) > 1 else ""
        ax.plot(
            x,
            table[f"{k}_observed"].to_numpy(float),
            marker=markers[k],
            color=colors[k],
            linewidth=1.8,
            gid=f"{k}_observed",
            label=t("observed", lang) + suffix,
            **kwargs,
        )
        for kind, style, key in (("simulated", "--", "simulated"), ("resampled", ":", "resampled")):
            col = f"{k}_{kind}_quantile"
            if col in table.columns and table[col].notna().any():
                ax.plot(
                    x,
                    table[col].to_numpy(float),
                    linestyle=style,
                    color=colors[k],
                    alpha=0.75,
                    linewidth=1.3,
                    gid=f"{k}_{kind}",
                    label=t(key, lang) + suffix,
                )
        n_sug = getattr(
            parallel_analysis_result, "n_factors" if k == "fa" else "n_components", None
        )
        if n_sug is not None:
            key = "suggested_factors" if k == "fa" else "suggested_components"
            notes.append(t(key, lang, k=int(n_sug)))
    ax.axhline(1.0 if "pc" in kinds else 0.0, color=FLAG, linewidth=0.6, zorder=0.5)
    ax.set_xlabel(t("factor_number", lang))
    ax.set_ylabel(t("eigenvalue", lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    frame_axes(ax)
    ax.legend(frameon=False, fontsize=8)
    if notes:
        ax.set_title("; ".join(notes), fontsize=10, loc="left")
    apply_font(ax, families)
    return ax


def intended_factors(loadings: pd.DataFrame, instrument: Any) -> dict[str, str]:
    """Map each instrument dimension (with items among the rows) to one factor.

    Greedy one-to-one assignment by the largest sum of absolute loadings of the
    dimension's items; dimensions beyond the number of factors get none.
    """
    dims = [d for d in instrument.dimensions if any(i in loadings.index for i in d.items)]
    score = pd.DataFrame(
        {
            d.id: loadings.reindex([i for i in d.items if i in loadings.index]).abs().sum()
            for d in dims
        }
    ).T
    out: dict[str, str] = {}
    while not score.empty and score.shape[1]:
        stacked = score.stack()
        dim, fac = stacked.idxmax()
        out[str(dim)] = str(fac)
        score = score.drop(index=dim, columns=fac)
    return out


def plot_loadings(
    efa_result: Any,
    *,
    instrument: Any = None,
    cutoff: float = 0.3,
    labels: str = "id",
    language: str = "en",
    font: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Heatmap of factor loadings, items grouped by intended dimension, intended cells outlined.

    Parameters
    ----------
    efa_result : EFAResult or pandas.DataFrame
        Result of :func:`satscore.efa` (its ``loadings``) or a loadings table
        (items x factors).
    instrument : Instrument, optional
        When given, rows are ordered by dimension, each dimension is matched to
        one factor (:func:`intended_factors`), and the cell of every item on
        its intended factor is outlined; column labels name the dimension.
    cutoff : float, default 0.3
        Loadings with smaller absolute value are printed in grey.
    labels : {"id", "text", "both"}
        Row labels (item wording needs ``instrument``).
    language, font, ax
        As in :func:`satscore.plot_likert`.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.imshow`.

    Returns
    -------
    matplotlib.axes.Axes
        The image (``ax.images[0]``, values = loadings in row order), cell texts,
        and one :class:`~matplotlib.patches.Rectangle` per outlined cell (gid
        ``"intended"``).
    """
    lang, families = prepare(language, font)
    loadings = (
        efa_result
        if isinstance(efa_result, pd.DataFrame)
        else getattr(efa_result, "loadings", None)
    )
    if not isinstance(loadings, pd.DataFrame):
        msg = f"expected an EFAResult or a loadings DataFrame; found {type(efa_result).__name__}."
        raise SatscoreTypeError(msg)
    rows = list(loadings.index)
    assign: dict[str, str] = {}
    if instrument is not None:
        assign = intended_factors(loadings, instrument)
        order = [i for d in instrument.dimensions for i in d.items if i in rows]
        rows = order + [i for i in rows if i not in order]
    values = loadings.loc[rows].to_numpy(float)
    p, k = values.shape
    ax = new_axes(ax, (1.6 + 1.1 * k + (3.5 if labels != "id" else 0.0), 0.32 * p + 1.4))
    kwargs.setdefault("cmap", _LOADING_CMAP)
    kwargs.setdefault("vmin", -1.0)
    kwargs.setdefault("vmax", 1.0)
    kwargs.setdefault("aspect", "auto")
    image = ax.imshow(values, **kwargs)
    for i in range(p):
        for j in range(k):
            v = values[i, j]
            strong = abs(v) >= cutoff
            ax.text(
                j,
                i,
                f"{round(v, 2) + 0.0:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color=("white" if abs(v) > 0.65 else "#1a1a1a") if strong else "#8c8c8c",
                fontweight="bold" if strong else "normal",
            )
    factor_of_item: dict[str, str] = {}
    if instrument is not None:
        for d in instrument.dimensions:
            fac = assign.get(d.id)
            for item in d.items:
                if fac is not None and item in rows:
                    factor_of_item[item] = fac
        cols = list(loadings.columns)
        for i, item in enumerate(rows):
            fac = factor_of_item.get(item)
            if fac is not None:
                ax.add_patch(
                    Rectangle(
                        (cols.index(fac) - 0.5, i - 0.5),
                        1.0,
                        1.0,
                        fill=False,
                        edgecolor="#1a1a1a",
                        linewidth=1.6,
                        gid="intended",
                    )
                )
        # separators between dimensions
        dims = [instrument.item(i).dimension for i in rows]
        for i in range(1, p):
            if dims[i] != dims[i - 1]:
                ax.axhline(i - 0.5, color="white", linewidth=2.5)
    col_labels = []
    dim_of_factor = {v: k_ for k_, v in assign.items()}
    for c in loadings.columns:
        name = str(c)
        if c in dim_of_factor and instrument is not None:
            title = instrument.dimension(dim_of_factor[c]).title
            name += "\n" + wrap_label(title.get(lang, next(iter(title.values()))), 14)
        col_labels.append(name)
    ax.set_xticks(range(k), labels=col_labels)
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", length=0, labelsize=8.5)

    def row_label(item: str) -> str:
        if labels == "id" or instrument is None:
            return item
        text = instrument.item(item).text.get(lang, item)
        return wrap_label(text if labels == "text" else f"{item}  {text}", 45)

    ax.set_yticks(range(p), labels=[row_label(i) for i in rows])
    ax.tick_params(axis="y", length=0, labelsize=8.5)
    frame_axes(ax, hide=tuple(ax.spines.keys()))
    cbar = ax.figure.colorbar(image, ax=ax, shrink=0.6, pad=0.02)
    cbar.set_label(t("loading", lang))
    if instrument is not None:
        ax.set_xlabel(t("intended", lang), fontsize=8, color="#404040")
    apply_font(ax, families)
    if families is not None:
        apply_font(cbar.ax, families)
    return ax
