"""Shared pieces of result objects: confidence intervals, JSON-safe dicts, HTML.

Result classes are frozen dataclasses that inherit :class:`ResultMixin`; they
implement :meth:`ResultMixin.summary` and get ``to_dict``, ``to_json`` and
``_repr_html_`` for free.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ConfidenceInterval", "ResultMixin", "to_jsonable"]


@dataclasses.dataclass(frozen=True)
class ConfidenceInterval:
    """A confidence interval.

    Attributes
    ----------
    low : float or ndarray
        Lower bound.
    high : float or ndarray
        Upper bound.

    Examples
    --------
    >>> from satscore import ConfidenceInterval
    >>> ci = ConfidenceInterval(0.81, 0.88)
    >>> low, high = ci
    >>> round(high - low, 2)
    0.07
    """

    low: Any
    high: Any

    def __iter__(self) -> Iterator[Any]:
        return iter((self.low, self.high))

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"low": ..., "high": ...}`` with JSON-safe values."""
        return {"low": to_jsonable(self.low), "high": to_jsonable(self.high)}


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas objects (recursively) into JSON-safe Python objects.

    NaN and infinities become ``None``; DataFrames become lists of records;
    Series become dicts; dataclasses become dicts of their fields.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.float64("nan"), "b": np.arange(2)})
    {'a': None, 'b': [0, 1]}
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if hasattr(obj, "to_dict") and not isinstance(obj, (pd.DataFrame, pd.Series)):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, pd.DataFrame):
        frame = obj.reset_index() if _has_named_index(obj) else obj
        return [
            {str(k): to_jsonable(v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")
        ]
    if isinstance(obj, pd.Series):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (pd.Timestamp, pd.Period)):
        return str(obj)
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def _has_named_index(frame: pd.DataFrame) -> bool:
    return any(name is not None for name in frame.index.names)


class ResultMixin:
    """Mixin giving frozen-dataclass results ``to_dict``, ``to_json`` and HTML display.

    Subclasses implement :meth:`summary` (a tidy DataFrame) and may set
    ``_title`` for the HTML heading.
    """

    _title: str = ""

    def summary(self) -> pd.DataFrame:  # pragma: no cover - always overridden
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Return the result's attributes as a JSON-safe dictionary."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            if field.name.startswith("_"):
                continue
            out[field.name] = to_jsonable(getattr(self, field.name))
        return out

    def to_json(self, **kwargs: Any) -> str:
        """Serialise :meth:`to_dict` to a JSON string (``kwargs`` go to :func:`json.dumps`)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    def _repr_html_(self) -> str:
        title = html.escape(self._title or type(self).__name__)
        table = self.summary().to_html(escape=True, float_format=lambda v: f"{v:.4g}")
        return f"<div class='satscore-result'><strong>{title}</strong>{table}</div>"
