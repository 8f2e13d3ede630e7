"""L3 quarterly sample plans: entry, allocation, PRN selection, coverage."""
