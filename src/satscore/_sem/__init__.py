"""L2 structural equation models: syntax, model, sample moments (in memory, streamed, FIML),
optimiser, fit measures, reverse keys, CFA, validity, invariance."""
