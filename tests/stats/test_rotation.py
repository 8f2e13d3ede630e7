"""Rotations against R: GPArotation 2022.10-2, stats::varimax, psych 2.2.9 Promax/kaiser.

References: tests/data/make_reliability_b.R -> reliability_b_R.json (``rot_bfi5``: bfi 25 items,
5-factor unrotated minres loadings; ``rot_hs3``: Holzinger x1-x9, 3-factor unrotated ML loadings).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from satscore._stats.rotation import rotate
from satscore.errors import ConvergenceWarning, OptionError

REF = json.loads((Path(__file__).parents[1] / "data" / "reliability_b_R.json").read_text())

CASES = [
    ("oblimin", "oblimin", {}),
    ("oblimin_normalized", "oblimin", {"normalize": True}),
    ("geomin", "geomin", {}),
    ("quartimax", "quartimax", {}),
    ("varimax", "varimax", {}),
    ("Promax", "Promax", {}),
    ("promax", "promax", {}),
]


@pytest.mark.parametrize("dataset", ["rot_bfi5", "rot_hs3"])
@pytest.mark.parametrize(("key", "method", "kwargs"), CASES)
def test_rotation_matches_r(dataset, key, method, kwargs):
    ref = REF[dataset]
    A = np.array(ref["unrotated"])
    A_before = A.copy()
    rot = rotate(A, method, **kwargs)
    np.testing.assert_allclose(rot.loadings, np.array(ref[key]["loadings"]), atol=1e-6)
    if "Phi" in ref[key]:
        np.testing.assert_allclose(rot.phi, np.array(ref[key]["Phi"]), atol=1e-6)
        assert rot.oblique
    else:
        np.testing.assert_allclose(rot.phi, np.eye(A.shape[1]))
    # loadings = A @ rotmat and Phi reproduces the common part L Phi L' = A A'
    np.testing.assert_allclose(A @ rot.rotmat, rot.loadings, atol=1e-10)
    np.testing.assert_allclose(rot.loadings @ rot.phi @ rot.loadings.T, A @ A.T, atol=1e-10)
    np.testing.assert_array_equal(A, A_before)


def test_varimax_rotmat_matches_r():
    ref = REF["rot_bfi5"]
    rot = rotate(np.array(ref["unrotated"]), "varimax")
    np.testing.assert_allclose(rot.rotmat, np.array(ref["varimax"]["rotmat"]), atol=1e-8)


def test_no_rotation_and_single_factor():
    A = np.array(REF["rot_hs3"]["unrotated"])
    for r in (None, "none"):
        np.testing.assert_array_equal(rotate(A, r).loadings, A)
    one = A[:, :1]
    np.testing.assert_array_equal(rotate(one, "oblimin").loadings, one)


def test_unknown_rotation_names_the_choices():
    with pytest.raises(OptionError, match=r"rotation='equimax' is not supported.*oblimin"):
        rotate(np.ones((4, 2)), "equimax")


def test_nonconvergence_warns():
    A = np.array(REF["rot_bfi5"]["unrotated"])
    with pytest.warns(ConvergenceWarning, match="did not converge in 2 iterations"):
        rot = rotate(A, "geomin", max_iter=2)
    assert not rot.converged
