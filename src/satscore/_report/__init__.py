"""L4 the HTML reports."""
