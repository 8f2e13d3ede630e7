"""L2 psychometrics: alpha, split-half, omega, polychoric, adequacy, EFA, parallel analysis."""
