"""Exceptions and warnings raised by satscore (defined in :mod:`satscore._core.errors`)."""

from __future__ import annotations

from satscore._core import errors as _errors
from satscore._core.errors import *  # noqa: F403  (the public names are _core.errors.__all__)

__all__ = list(_errors.__all__)
