"""L3 validating a questionnaire: the per-dimension reliability report (psychometrics + CFA)."""
