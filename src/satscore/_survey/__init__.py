"""L2 design-based inference: SurveyDesign, Taylor variance, weighting, wave comparison."""
