"""BLAS held at one thread while a computation makes many small matrix calls.

Many small products or LAPACK calls in a row (alpha's moment passes, EFA/omega/parallel
fits on p x p matrices with p ~ 10-50, the CFA optimiser) are slow on a multi-threaded
OpenBLAS when the other cores are busy: each call waits for its worker threads to be
scheduled (bfi 5-factor EFA: 0.05 s single-threaded vs 0.2-0.3 s). Results are the same
with any number of threads; only the time differs.

The limit is process-wide (``threadpoolctl``), so it is reference-counted: nested or
concurrent calls share one limit and the last one out restores the original thread
counts.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy  # noqa: F401 - loaded before the BLAS thread controller is made
import scipy.linalg.blas  # noqa: F401 - scipy's own BLAS, likewise
from threadpoolctl import ThreadpoolController

__all__ = ["single_threaded_blas", "with_single_threaded_blas"]

_F = TypeVar("_F", bound=Callable[..., Any])

_LOCK = threading.Lock()
_ACTIVE: list = []  # [limiter, depth] while some call holds BLAS at one thread


@functools.cache
def _controller() -> ThreadpoolController:
    """One ``threadpoolctl.ThreadpoolController`` (scanning the loaded libraries is slow)."""
    return ThreadpoolController()


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS limited to one thread inside the ``with`` block.

    Examples
    --------
    >>> import numpy as np
    >>> with single_threaded_blas():
    ...     float((np.eye(3) @ np.ones(3)).sum())
    3.0
    """
    with _LOCK:
        if not _ACTIVE:
            _ACTIVE.extend([_controller().limit(limits=1, user_api="blas"), 0])
        _ACTIVE[1] += 1
    try:
        yield
    finally:
        with _LOCK:
            _ACTIVE[1] -= 1
            if _ACTIVE[1] == 0:
                _ACTIVE[0].restore_original_limits()
                _ACTIVE.clear()


def with_single_threaded_blas(func: _F) -> _F:
    """Decorator running ``func`` under :func:`single_threaded_blas`.

    Examples
    --------
    >>> @with_single_threaded_blas
    ... def double(x):
    ...     return 2 * x
    >>> double(2)
    4
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with single_threaded_blas():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
