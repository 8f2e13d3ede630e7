"""L3 scoring: entry, metrics, rows, respondents, targets, verdicts, suppression, KPIs, compare."""
