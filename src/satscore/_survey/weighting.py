"""Weighting: nonresponse adjustment, post-stratification and raking.

``post_stratify`` and ``rake`` return a new :class:`~satscore.SurveyDesign`
whose weights are calibrated to known population counts *and* whose variance
uses the calibration residuals, exactly as R ``survey`` 4.1
(``postStratify``, ``rake`` and ``svyrecvar``):

* post-stratification multiplies the weights in cell ``k`` by
  ``N_k / Σ_k w``; influence values ``z`` are replaced by
  ``z - w_new · (Σ_k z·w_old/w_new)/(Σ_k w_old)``;
* raking repeats post-stratification on each margin in turn (iterative
  proportional fitting) until the weighted cross-table moves by less than
  ``epsilon`` (R default 1 unit; ``epsilon < 1`` is taken relative to the
  total weight), at most ``max_iter`` sweeps; the variance then centres the
  influence values within every margin category, ten sweeps, as R does.

``nonresponse_adjust`` is the weighting-class adjustment: within each class,
respondents' weights are multiplied by (weight of everyone invited)/(weight of
respondents).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from satscore._core.checks import as_flags, check_columns
from satscore._core.errors import ConvergenceWarning, DesignError
from satscore._stats.codes import stratum_codes
from satscore._survey.build import check_weights
from satscore._survey.design import SurveyDesign

__all__ = ["nonresponse_adjust", "post_stratify", "rake"]


def _population_table(population: Any, cols: list[str]) -> pd.Series:
    """Population counts as a Series indexed by cell label tuples."""
    if isinstance(population, pd.DataFrame):
        check_columns(
            population.columns, cols, what="post-stratum column", where="in the population table",
            fix="give the population table the post-stratum columns plus one count column",
            error=DesignError,
        )  # fmt: skip
        counts = [c for c in population.columns if c not in cols]
        if len(counts) != 1:
            msg = (
                f"population table must have the columns {cols} plus one count column (e.g. "
                f"'Freq'); found {list(population.columns)}."
            )
            raise DesignError(msg)
        keys = [tuple(r) for r in population[cols].itertuples(index=False)]
        values = pd.to_numeric(population[counts[0]], errors="coerce").to_numpy(float)
    elif isinstance(population, (Mapping, pd.Series)):
        items = list(population.items())
        keys = [k if isinstance(k, tuple) else (k,) for k, _ in items]
        values = np.array([float(v) for _, v in items])
    else:
        msg = (
            f"population must be a dict, a pandas Series or a DataFrame of counts; found "
            f"{type(population).__name__}. Pass e.g. {{'E': 4421, 'H': 755, 'M': 1018}}."
        )
        raise DesignError(msg)
    if any(len(k) != len(cols) for k in keys):
        msg = f"population keys must give one value per column of {cols}; found {keys[:3]}."
        raise DesignError(msg)
    bad = ~(np.isfinite(values) & (values >= 0))
    if bad.any():
        k = keys[int(np.flatnonzero(bad)[0])]
        msg = f"population count of cell {k} is {values[bad][0]!r}; counts must be >= 0."
        raise DesignError(msg)
    return pd.Series(values, index=pd.Index(keys, tupleize_cols=False))


def _cells(data: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, list[tuple]]:
    """Post-stratum code of each row (cells sorted) and the cells' labels."""
    check_columns(
        data.columns, cols, what="post-stratum column", where="in the design data",
        fix="pass a column of design.data", error=DesignError,
    )  # fmt: skip
    codes, keys = stratum_codes(data, cols, what="post-stratum")
    return codes, list(keys.itertuples(index=False, name=None))


def _post_weights(
    data: pd.DataFrame, w: np.ndarray, cols: list[str], population: Any, partial: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Weights post-stratified to ``population`` in the cells of ``cols``, and the cell codes."""
    codes, labels = _cells(data, cols)
    pop = _population_table(population, cols)
    lookup = {(tuple(str(x) for x in k)): v for k, v in pop.items()}
    sample = np.bincount(codes, weights=w, minlength=len(labels))
    factor = np.empty(len(labels))
    for j, lab in enumerate(labels):
        key = tuple(str(x) for x in lab)
        if key not in lookup or lookup[key] == 0:
            msg = (
                f"cell {lab} of {cols} is in the sample but has no population count; give "
                "every sampled cell a positive population count (or collapse cells)."
            )
            raise DesignError(msg)
        factor[j] = lookup[key] / sample[j]
    sampled = {tuple(str(x) for x in lab) for lab in labels}
    absent = [k for k, v in lookup.items() if k not in sampled and v > 0]
    if absent and not partial:
        msg = (
            f"population cell(s) {absent[:3]} of {cols} have no sampled units; collapse them "
            "with a neighbouring cell, or pass partial=True to ignore them (the weights then "
            "do not reproduce those population counts)."
        )
        raise DesignError(msg)
    return w * factor[codes], codes


def post_stratify(
    design: SurveyDesign, strata: Any, population: Any, *, partial: bool = False
) -> SurveyDesign:
    """Post-stratify a design to known population counts (R ``postStratify``).

    Parameters
    ----------
    design : SurveyDesign
        The design to calibrate (not modified).
    strata : str or list of str
        Post-stratum column(s); several columns are crossed.
    population : dict, Series or DataFrame
        Population count of each cell: ``{level: N}`` (tuples of levels for
        several columns), a Series indexed the same way, or a DataFrame with the
        ``strata`` columns and one count column (R's ``Freq`` table).
    partial : bool, default False
        Ignore population cells without sampled units instead of raising.

    Returns
    -------
    SurveyDesign
        A new design with calibrated weights; its variances use the
        post-stratification residuals.

    Raises
    ------
    DesignError
        A sampled cell without a population count, or (unless ``partial``) a
        population cell without sampled units.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import SurveyDesign, post_stratify
    >>> api = pd.read_csv("tests/data/apiclus1.csv")
    >>> d = SurveyDesign(api, weights="pw", cluster="dnum", fpc="fpc")
    >>> ps = post_stratify(d, "stype", {"E": 4421, "H": 755, "M": 1018})
    >>> m = ps.mean("api00")
    >>> print(f"{m.estimate:.2f} {m.se:.3f}")
    642.31 23.921
    >>> # R: svymean(~api00, postStratify(dclus1, ~stype, pop.types))
    """
    cols = [strata] if isinstance(strata, str) else list(strata)
    rows = design._rows("post-stratification (post_stratify)")
    old = rows.weights
    new, codes = _post_weights(rows.data, old, cols, population, partial)
    return design._with(new, ("post", codes, new, old))


def rake(
    design: SurveyDesign,
    margins: Mapping[Any, Any],
    *,
    max_iter: int = 10,
    epsilon: float = 1.0,
) -> SurveyDesign:
    """Rake a design to population margins by iterative proportional fitting (R ``rake``).

    Parameters
    ----------
    design : SurveyDesign
        The design to calibrate (not modified).
    margins : dict
        ``{column (or tuple of columns): population}`` for each margin, the
        population as in :func:`post_stratify`.
    max_iter : int, default 10
        Maximum sweeps over the margins (R ``control$maxit``).
    epsilon : float, default 1
        Convergence: largest change of a weighted cross-table cell between
        sweeps; values < 1 are relative to the total weight (R ``control$epsilon``).

    Returns
    -------
    SurveyDesign
        A new design with raked weights whose variances use the raking residuals.

    Warns
    -----
    ConvergenceWarning
        When the margins are not matched within ``max_iter`` sweeps.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import SurveyDesign, rake
    >>> api = pd.read_csv("tests/data/apiclus1.csv")
    >>> d = SurveyDesign(api, weights="pw", cluster="dnum", fpc="fpc")
    >>> r = rake(
    ...     d, {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}}
    ... )
    >>> m = r.mean("api00")
    >>> print(f"{m.estimate:.2f} {m.se:.3f}")
    641.23 23.704
    >>> # R: svymean(~api00, rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide)))
    """
    if not margins:
        msg = "margins is empty; pass {column: population counts} for at least one margin."
        raise DesignError(msg)
    specs = [([k] if isinstance(k, str) else list(k), v) for k, v in margins.items()]
    allcols = list(dict.fromkeys(c for cols, _ in specs for c in cols))
    rows = design._rows("raking (rake)")
    table_codes, _ = _cells(rows.data, allcols)
    n_cells = int(table_codes.max()) + 1
    w = rows.weights
    eps = epsilon * w.sum() if epsilon < 1 else epsilon
    old_table = np.bincount(table_codes, weights=w, minlength=n_cells)
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    converged = False
    for _ in range(int(max_iter)):
        steps = []
        for cols, pop in specs:
            w, codes = _post_weights(rows.data, w, cols, pop, False)
            steps.append((codes, w.copy()))
        new_table = np.bincount(table_codes, weights=w, minlength=n_cells)
        delta = np.max(np.abs(old_table - new_table))
        if delta < eps:
            converged = True
            break
        old_table = new_table
    if not converged:
        warnings.warn(
            f"raking did not converge in {max_iter} sweeps (last change {delta:.3g} > "
            f"{eps:.3g}); increase max_iter or check that the margins are consistent.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return design._with(w, ("rake", tuple(steps)))


def nonresponse_adjust(
    sample: pd.DataFrame,
    *,
    responded: Any,
    weights: str = "design_weight",
    classes: Any = None,
    name: str = "weight",
) -> pd.DataFrame:
    """Weighting-class nonresponse adjustment of invited-sample weights.

    Within each class ``c`` every respondent's weight is multiplied by
    ``Σ_{invited in c} w / Σ_{respondents in c} w``, so respondents carry the
    weight of the nonrespondents in their class. The returned weights can be
    passed to :class:`SurveyDesign`; calibrating them afterwards with
    :func:`post_stratify` to frame counts carries the adjustment's variance
    consequences into the design.

    Parameters
    ----------
    sample : pandas.DataFrame
        The invited sample (e.g. ``plan.sample`` joined with response status).
    responded : str or array_like of bool
        Response indicator column or vector.
    weights : str, default "design_weight"
        Design-weight column.
    classes : str or list of str, optional
        Adjustment-class column(s) (e.g. the sampling stratum); one class if None.
    name : str, default "weight"
        Name of the adjusted-weight column added to the result.

    Returns
    -------
    pandas.DataFrame
        A copy of the respondents' rows with ``name`` (adjusted weight) and
        ``nr_factor`` (the class adjustment factor).

    Raises
    ------
    DesignError
        A class without respondents (collapse it with a neighbour), missing
        columns or invalid weights.

    Examples
    --------
    >>> import pandas as pd
    >>> from satscore import nonresponse_adjust
    >>> s = pd.DataFrame(
    ...     {
    ...         "h": ["a"] * 4 + ["b"] * 2,
    ...         "design_weight": 10.0,
    ...         "resp": [True, True, False, False, True, False],
    ...     }
    ... )
    >>> out = nonresponse_adjust(s, responded="resp", classes="h")
    >>> out["weight"].tolist()
    [20.0, 20.0, 20.0]
    """
    if isinstance(responded, str):
        check_columns(
            sample.columns, [responded], what="responded column", where="in the sample",
            fix="pass the response-flag column", error=DesignError,
        )  # fmt: skip
        resp = sample[responded].to_numpy()
    else:
        resp = np.asarray(responded)
    if resp.shape[0] != sample.shape[0]:
        msg = f"responded has {resp.shape[0]} values for {sample.shape[0]} rows."
        raise DesignError(msg)
    resp = as_flags(resp)
    check_columns(
        sample.columns, [weights], what="weights column", where="in the sample",
        fix="pass the design-weight column", error=DesignError,
    )  # fmt: skip
    w = pd.to_numeric(sample[weights], errors="coerce").to_numpy(float)
    check_weights(w, f"weights column {weights!r}")
    if classes is None:
        codes = np.zeros(sample.shape[0], dtype=np.int64)
        labels: list[Any] = ["all"]
    else:
        cols = [classes] if isinstance(classes, str) else list(classes)
        check_columns(
            sample.columns, cols, what="classes column", where="in the sample",
            fix="pass adjustment-class columns of the sample", error=DesignError,
        )  # fmt: skip
        grouped = sample.groupby(cols, sort=True, observed=True, dropna=False)
        codes = grouped.ngroup().to_numpy(np.int64)
        labels = list(grouped.size().index)
    k = int(codes.max()) + 1
    total = np.bincount(codes, weights=w, minlength=k)
    resp_w = np.bincount(codes, weights=np.where(resp, w, 0.0), minlength=k)
    empty = np.flatnonzero(resp_w == 0)
    if empty.size:
        msg = (
            f"adjustment class {labels[int(empty[0])]!r} has no respondents "
            f"({empty.size} such classes); its weight cannot be carried. Collapse it with a "
            "similar class."
        )
        raise DesignError(msg)
    factor = total / resp_w
    out = sample.loc[resp].copy()
    out["nr_factor"] = factor[codes[resp]]
    out[name] = w[resp] * out["nr_factor"].to_numpy()
    return out
