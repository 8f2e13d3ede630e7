"""L1 numeric kernels: proportion intervals, bootstrap, Brent, bivariate normal, rotations,
correlation input, grouped aggregation, verdicts, the PRN hash.

Imports only :mod:`satscore._core`.
"""
