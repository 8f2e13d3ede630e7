"""L0 of satscore: argument and column checks, result mixin, table helpers, fixed texts (en/zh), errors.

Imports nothing else from satscore."""
