"""L0 of satscore: argument and column checks, result mixin, table helpers, en/zh texts, errors.

Imports nothing else from satscore.
"""
