"""``satscore info`` and ``satscore.show_versions()``: what the installation runs on."""

from __future__ import annotations

import importlib.metadata
import json

import numpy as np

import satscore
from satscore._plots.fonts import find_cjk_font
from satscore._stats.prn import backend
from satscore._versions import DEPENDENCIES, EXTRAS, version_info
from satscore.cli import main


def test_show_versions_is_public_and_lists_every_fact(capsys):
    assert "show_versions" in dir(satscore)
    satscore.show_versions()
    out = capsys.readouterr().out
    assert out.startswith(f"satscore {satscore.__version__} (")
    for name in (*DEPENDENCIES, *EXTRAS, "python", "os", "machine", "prn kernel", "cjk font"):
        assert f"\n  {name}" in out, name
    assert "BLAS (threadpoolctl)" in out
    assert f"prn kernel    {backend()}\n" in out
    assert f"numpy         {np.__version__}\n" in out


def test_info_json_parses_and_names_the_kernel_and_font(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) == {
        "satscore", "python", "system", "dependencies", "extras", "blas", "prn_kernel",
        "cjk_font",
    }  # fmt: skip
    assert info["satscore"]["version"] == satscore.__version__
    assert info["dependencies"]["numpy"] == np.__version__
    assert set(info["extras"]) == set(EXTRAS)
    assert info["prn_kernel"] == backend()
    assert info["cjk_font"] == find_cjk_font()
    assert info["blas"], "numpy and scipy load a BLAS; threadpoolctl must see one"
    assert {"internal_api", "version", "num_threads"} <= set(info["blas"][0])


def test_info_text_equals_show_versions(capsys):
    assert main(["info"]) == 0
    text = capsys.readouterr().out
    satscore.show_versions()
    assert capsys.readouterr().out == text


def test_a_missing_extra_says_not_installed(monkeypatch):
    real = importlib.metadata.version

    def fake(name):
        if name == "pyreadstat":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", fake)
    info = version_info()
    assert info["extras"]["pyreadstat"] is None
    assert info["extras"]["openpyxl"] == real("openpyxl")
