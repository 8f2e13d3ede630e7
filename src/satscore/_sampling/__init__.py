"""L3 quarterly sample plans.

Modules, top to bottom (each imports only those below it): ``plan`` (the entry,
``plan_quarterly_sample``: validates once, then dispatches) > ``memory`` (one DataFrame) |
``streamed`` (chunks, Dask) > ``result`` (``SamplePlan``) > ``frame`` (active rows, ids,
PRNs, duplicate ids) > ``allocation`` (sizes, windows, allocation table) > ``selection``
(the one PRN selection routine) | ``options`` (``PlanOptions``) | ``sizes`` (formulas).
``coverage`` reads a finished plan.
"""
