"""Exceptions and warnings raised by satscore.

Every error satscore raises on bad input derives from :class:`SatscoreError`
*and* from the built-in exception a caller would naturally catch
(:class:`ValueError` or :class:`TypeError`), so ``except ValueError`` keeps
working. Messages follow one pattern: what was found, what is required, and
how to fix it, naming the column, item or value involved.

Examples
--------
>>> import satscore
>>> from satscore.errors import SatscoreError
>>> try:
...     satscore.load_instrument("no_such_instrument")
... except SatscoreError as err:
...     print(type(err).__name__, isinstance(err, ValueError))
InstrumentError True
"""

from __future__ import annotations

__all__ = [
    "ChunkError",
    "ConvergenceWarning",
    "DataError",
    "DesignError",
    "HeywoodWarning",
    "InfeasiblePlanError",
    "InstrumentError",
    "MissingDependencyError",
    "ModelSpecificationError",
    "NonPositiveDefiniteWarning",
    "OptionError",
    "ResponseValidationError",
    "ReverseKeyWarning",
    "SatscoreError",
    "SatscoreTypeError",
    "SatscoreWarning",
    "TargetError",
]


class SatscoreError(Exception):
    """Base class of every exception satscore raises on purpose."""


class SatscoreTypeError(SatscoreError, TypeError):
    """An argument has the wrong type (e.g. a string where a DataFrame is needed)."""


class OptionError(SatscoreError, ValueError):
    """A keyword option has a value outside its allowed set or range."""


class DataError(SatscoreError, ValueError):
    """The data cannot support the requested statistic.

    Examples: fewer than two items, a constant item, an all-missing column,
    non-numeric values, a singular correlation matrix.
    """


class InstrumentError(SatscoreError, ValueError):
    """An instrument definition is malformed or an instrument id is unknown."""


class ResponseValidationError(SatscoreError, ValueError):
    """A response file does not conform to its instrument.

    Attributes
    ----------
    problems : list
        One entry per problem found (column, rows affected, examples, fix).
    """

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class TargetError(SatscoreError, ValueError):
    """A KPI target is unknown or outside its valid range."""


class ModelSpecificationError(SatscoreError, ValueError):
    """A factor/CFA model is mis-specified or not identified."""


class DesignError(SatscoreError, ValueError):
    """A survey design (weights, strata, clusters, FPC) is invalid."""


class InfeasiblePlanError(SatscoreError, ValueError):
    """A sample plan cannot meet its coverage, precision or respondent targets."""


class ChunkError(SatscoreError, ValueError):
    """A chunk of streamed data is inconsistent with the first chunk."""


class MissingDependencyError(SatscoreError, ImportError):
    """An optional package needed for this feature is not installed.

    The message names the extra to install, e.g. ``pip install "satscore[spss]"``.
    """


class SatscoreWarning(UserWarning):
    """Base class of satscore's warnings."""


class ConvergenceWarning(SatscoreWarning):
    """An iterative fit stopped before meeting its convergence criterion."""


class HeywoodWarning(SatscoreWarning):
    """A factor solution has a communality at or above one (Heywood case)."""


class NonPositiveDefiniteWarning(SatscoreWarning):
    """A correlation matrix was not positive definite and was smoothed."""


class ReverseKeyWarning(SatscoreWarning):
    """An item loads against its factor's other items (an unreversed reverse-keyed item?)."""


# The classes are documented and caught as ``satscore.errors.X`` (their public home).
for _name in __all__:
    globals()[_name].__module__ = "satscore.errors"
del _name
