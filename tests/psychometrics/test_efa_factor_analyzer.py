"""factor_analyzer 0.5.1 as a peer: what fails and what is wrong (documented in the user guide).

* ``FactorAnalyzer.fit`` raises ``TypeError`` with scikit-learn >= 1.8 (it passes the removed
  ``force_all_finite`` keyword to ``check_array``).
* Its ``get_communalities`` sums squared *pattern* loadings, which is wrong after an oblique
  rotation: the communality is ``diag(L Phi L')``. We feed its own ``Rotator`` (oblimin) the
  unrotated bfi loadings stored from R, then call its method.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

fa_mod = importlib.import_module("factor_analyzer")  # test-group dependency: fail loudly if missing
sklearn = importlib.import_module("sklearn")  # test-group dependency: fail loudly if missing

from satscore._psychometrics.efa import efa  # noqa: E402

DATA = Path(__file__).parents[1] / "data"
REF = json.loads((DATA / "reliability_b_R.json").read_text())
BFI = pd.read_csv(DATA / "bfi.csv").iloc[:, :25]


def _sklearn_major_minor() -> tuple[int, int]:
    major, minor = sklearn.__version__.split(".")[:2]
    return int(major), int(minor)


def test_fit_fails_on_new_sklearn():
    if _sklearn_major_minor() < (1, 8):
        pytest.xfail("older scikit-learn: factor_analyzer 0.5.1 still fits")
    fa = fa_mod.FactorAnalyzer(n_factors=5, rotation="oblimin", is_corr_matrix=True)
    with pytest.raises(TypeError, match="force_all_finite"):
        fa.fit(BFI.corr().to_numpy())


def test_oblique_communalities_wrong():
    from factor_analyzer.rotator import Rotator

    unrotated = np.array(REF["rot_bfi5"]["unrotated"])
    fa = fa_mod.FactorAnalyzer(n_factors=5, rotation="oblimin")
    fa.loadings_ = Rotator(method="oblimin").fit_transform(unrotated)
    theirs = fa.get_communalities()
    ours = efa(BFI, 5).communalities.to_numpy()
    psych = np.array(REF["fa_bfi5_minres_oblimin"]["communality"])
    np.testing.assert_allclose(ours, psych, atol=1e-8)
    assert np.abs(theirs - psych).max() > 0.05  # e.g. A1: 0.25 vs 0.19
    # their rotated pattern itself agrees with GPArotation's (up to column order/sign)
    ref = np.array(REF["rot_bfi5"]["oblimin"]["loadings"])
    np.testing.assert_allclose(
        np.sort(np.abs(fa.loadings_).sum(axis=0)), np.sort(np.abs(ref).sum(axis=0)), atol=1e-3
    )
