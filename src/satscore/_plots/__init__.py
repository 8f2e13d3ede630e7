"""L4 charts (matplotlib; every function takes ``ax=None`` and returns the Axes)."""
