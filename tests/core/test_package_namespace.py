"""The ``satscore`` package namespace: lazy public names, nothing private in ``dir``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import satscore


def test_dir_lists_public_names_and_modules_only():
    names = dir(satscore)
    assert names == sorted(names)
    assert [n for n in names if n.startswith("_")] == ["__version__"]
    assert {"load_instrument", "score_survey", "show_versions", "scoring", "instruments"} <= set(
        names
    )
    for hidden in ("importlib", "Any", "annotations", "_core", "_cli", "_LAZY"):
        assert hidden not in names


def test_every_listed_name_resolves():
    for name in dir(satscore):
        assert getattr(satscore, name) is not None, name
    assert set(satscore.__all__) <= set(dir(satscore))


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        satscore.no_such_name


def test_import_is_lazy():
    code = (
        "import sys, satscore; "
        "print(sorted(m for m in ('numpy', 'pandas', 'satscore.instruments') if m in sys.modules))"
        "; print(satscore.scoring.__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split("\n")[:2] == ["[]", "satscore.scoring"]
