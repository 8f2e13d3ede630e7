"""L1 reading response files, whole or in chunks."""
