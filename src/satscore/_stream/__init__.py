"""L1 generic out-of-core machinery: chunk/Dask/iterator reading and mergeable reductions.

Nothing domain-specific; imports :mod:`satscore._stats` and :mod:`satscore._core`."""
