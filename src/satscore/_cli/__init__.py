"""L5 the ``satscore`` command line."""
