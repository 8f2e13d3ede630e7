"""L2 structural equation models: syntax, model, optimiser, fit measures, missing data, CFA,
validity, invariance."""
