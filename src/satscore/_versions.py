"""``satscore.show_versions()``: what this installation runs on (for bug reports).

Versions of satscore, Python, the operating system and the dependencies; which
optional extras are installed; the BLAS libraries numpy and scipy load (via
threadpoolctl); which permanent-random-number kernel is active (C with SHA
instructions, portable C, or the fallback); and the CJK font Chinese charts
use. A silent fallback (no C kernel, no CJK font) becomes visible here.

A top-level private module outside the layer packages: it reads from
``_stats`` (the PRN kernel) and ``_plots`` (fonts), and only ``satscore``'s lazy
names and the ``satscore info`` subcommand import it.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import numpy  # noqa: F401  (loads numpy's BLAS so that threadpoolctl sees it)
import scipy.linalg  # noqa: F401  (loads scipy's BLAS)
import threadpoolctl

from satscore._core.version import __version__
from satscore._plots.fonts import find_cjk_font
from satscore._stats.prn import backend

__all__ = ["DEPENDENCIES", "EXTRAS", "show_versions", "version_info"]

#: required dependencies (distribution names)
DEPENDENCIES = ("numpy", "scipy", "pandas", "matplotlib", "pyyaml", "threadpoolctl")
#: optional extras (distribution names): Excel/XLSForm, SPSS, Parquet, dask, HTML styling
EXTRAS = ("openpyxl", "pyreadstat", "pyarrow", "dask", "distributed", "jinja2")


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def version_info() -> dict[str, Any]:
    """The facts :func:`show_versions` prints, as a JSON-safe dict.

    Keys: ``satscore``, ``python``, ``system``, ``dependencies`` and ``extras``
    (distribution -> version, ``None`` when not installed), ``blas`` (one entry
    per BLAS library loaded, from :func:`threadpoolctl.threadpool_info`),
    ``prn_kernel`` and ``cjk_font`` (``None`` when no CJK font is installed).

    Examples
    --------
    >>> info = version_info()
    >>> sorted(info)
    ['blas', 'cjk_font', 'dependencies', 'extras', 'prn_kernel', 'python', 'satscore', 'system']
    >>> info["dependencies"]["numpy"] == numpy.__version__
    True
    """
    blas = [
        {
            key: lib.get(key)
            for key in ("internal_api", "version", "threading_layer", "num_threads", "filepath")
        }
        for lib in threadpoolctl.threadpool_info()
        if lib.get("user_api") == "blas"
    ]
    return {
        "satscore": {"version": __version__, "path": str(Path(__file__).resolve().parent)},
        "python": {"version": platform.python_version(), "executable": sys.executable},
        "system": {
            "os": platform.platform(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
        },
        "dependencies": {name: _version(name) for name in DEPENDENCIES},
        "extras": {name: _version(name) for name in EXTRAS},
        "blas": blas,
        "prn_kernel": backend(),
        "cjk_font": find_cjk_font(),
    }


def _text(info: dict[str, Any]) -> str:
    def rows(title: str, pairs: dict[str, Any]) -> list[str]:
        return ["", title] + [f"  {key:<14}{value}" for key, value in pairs.items()]

    sat = info["satscore"]
    lines = [f"satscore {sat['version']} ({sat['path']})"]
    lines += rows(
        "System",
        {
            "python": info["python"]["version"],
            "executable": info["python"]["executable"],
            "os": info["system"]["os"],
            "machine": info["system"]["machine"],
            "cpus": info["system"]["cpus"],
        },
    )
    lines += rows("Dependencies", info["dependencies"])
    lines += rows("Optional extras", {k: v or "not installed" for k, v in info["extras"].items()})
    lines += rows(
        "Kernels and fonts",
        {
            "prn kernel": info["prn_kernel"],
            "cjk font": info["cjk_font"]
            or "none found (Chinese charts raise; install e.g. fonts-noto-cjk)",
        },
    )
    lines += ["", "BLAS (threadpoolctl)"]
    lines += [
        f"  {lib['internal_api']} {lib['version']} ({lib['threading_layer']}, "
        f"{lib['num_threads']} threads) {lib['filepath']}"
        for lib in info["blas"]
    ] or ["  none loaded"]
    return "\n".join(lines)


def show_versions(*, as_json: bool = False) -> None:
    """Print the versions of satscore and what it runs on (for bug reports).

    Parameters
    ----------
    as_json : bool, default False
        Print :func:`version_info` as JSON instead of text.

    Examples
    --------
    >>> import satscore
    >>> satscore.show_versions()  # doctest: +ELLIPSIS
    satscore ...
    System
      python ...
    Dependencies
      numpy ...
    Optional extras
      openpyxl ...
    Kernels and fonts
      prn kernel    ...
    BLAS (threadpoolctl)
    ...
    """
    info = version_info()
    print(json.dumps(info, indent=2) if as_json else _text(info), file=sys.stdout)
