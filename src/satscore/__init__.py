"""satscore: customer-satisfaction surveys, from instrument to management KPI.

Public names are imported lazily from their thematic modules so that
``import satscore`` stays fast (it imports neither numpy nor pandas) and optional
extras are only needed when used. The public modules below load lazily too
(``satscore.scoring`` works after a bare ``import satscore``); ``dir(satscore)``
lists the public names and modules only.

=====================  =====================================================
module                 what it holds
=====================  =====================================================
``instruments``        Likert instruments as data, built-ins, validation
``reliability``        alpha, omega, polychoric, KMO/Bartlett, EFA
``sem``                confirmatory factor analysis, validity, invariance
``scoring``            ``score_survey``, proportion CIs, KPI verdicts
``sampling``           quarterly sample plans, weights, ``SurveyDesign``
``plots`` / ``report`` charts and the quarterly HTML report
``datasets``           built-in synthetic example data
``io`` / ``errors``    reading response files; exceptions and warnings
``cli``                the ``satscore`` command line
=====================  =====================================================
"""

from __future__ import annotations

import importlib
from typing import Any

from satscore._core.version import __version__

# public name -> module that defines (or re-exports) it
_LAZY: dict[str, str] = {
    # results and errors
    "ConfidenceInterval": "satscore._core.results",
    "SatscoreError": "satscore.errors",
    # instruments
    "Instrument": "satscore.instruments",
    "ResponseScale": "satscore.instruments",
    "Item": "satscore.instruments",
    "Dimension": "satscore.instruments",
    "ValidatedResponses": "satscore.instruments",
    "ValidationReport": "satscore.instruments",
    "load_instrument": "satscore.instruments",
    "list_instruments": "satscore.instruments",
    "read_responses": "satscore.io",
    "load_example": "satscore.datasets",
    "read_chunks": "satscore.io",
    # reliability
    "cronbach_alpha": "satscore.reliability",
    "AlphaResult": "satscore.reliability",
    "ordinal_alpha": "satscore.reliability",
    "omega": "satscore.reliability",
    "OmegaResult": "satscore.reliability",
    "split_half": "satscore.reliability",
    "SplitHalfResult": "satscore.reliability",
    "guttman": "satscore.reliability",
    "GuttmanResult": "satscore.reliability",
    "polychoric": "satscore.reliability",
    "PolychoricResult": "satscore.reliability",
    "kmo": "satscore.reliability",
    "KMOResult": "satscore.reliability",
    "bartlett_sphericity": "satscore.reliability",
    "BartlettResult": "satscore.reliability",
    "efa": "satscore.reliability",
    "EFAResult": "satscore.reliability",
    "parallel_analysis": "satscore.reliability",
    "ParallelAnalysisResult": "satscore.reliability",
    "velicer_map": "satscore.reliability",
    "MAPResult": "satscore.reliability",
    "reliability_report": "satscore.reliability",
    "ReliabilityReport": "satscore.reliability",
    # confirmatory factor analysis
    "cfa": "satscore.sem",
    "CFAResult": "satscore.sem",
    "validity_report": "satscore.sem",
    "ValidityReport": "satscore.sem",
    "measurement_invariance": "satscore.sem",
    "InvarianceResult": "satscore.sem",
    # scoring
    "score_survey": "satscore.scoring",
    "SurveyScores": "satscore.scoring",
    "proportion_ci": "satscore.scoring",
    "kpi": "satscore.scoring",
    "KPIResult": "satscore.scoring",
    "rate_change": "satscore.scoring",
    "RateChangeResult": "satscore.scoring",
    "compare": "satscore.scoring",
    "Comparison": "satscore.scoring",
    "bank_kpi_targets": "satscore.scoring",
    # sampling and design-based inference
    "plan_quarterly_sample": "satscore.sampling",
    "SamplePlan": "satscore.sampling",
    "coverage_report": "satscore.sampling",
    "CoverageReport": "satscore.sampling",
    "SurveyDesign": "satscore.sampling",
    "DesignEstimate": "satscore.sampling",
    "post_stratify": "satscore.sampling",
    "rake": "satscore.sampling",
    "nonresponse_adjust": "satscore.sampling",
    "compare_waves": "satscore.sampling",
    "WaveComparison": "satscore.sampling",
    "respondent_design": "satscore.sampling",
    # reporting
    "plot_likert": "satscore.plots",
    "plot_trend": "satscore.plots",
    "plot_segments": "satscore.plots",
    "plot_scree": "satscore.plots",
    "plot_loadings": "satscore.plots",
    "plot_ltr": "satscore.plots",
    "quarterly_report": "satscore.report",
    "Report": "satscore.report",
    # diagnostics
    "show_versions": "satscore._versions",
}

#: public modules, imported on first access (``satscore.scoring``)
_MODULES = (
    "cli",
    "datasets",
    "errors",
    "instruments",
    "io",
    "plots",
    "reliability",
    "report",
    "sampling",
    "scoring",
    "sem",
)

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"satscore.{name}")  # binds satscore.<name> too
    module_name = _LAZY.get(name)
    if module_name is None:
        msg = f"module 'satscore' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *_MODULES])
