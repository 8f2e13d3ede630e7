"""Sphinx configuration for satscore."""

from __future__ import annotations

import satscore

project = "satscore"
author = "satscore developers"
copyright = "2026, satscore developers"
version = release = satscore.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

myst_enable_extensions = ["dollarmath", "colon_fence"]
nb_execution_mode = "off"
nb_execution_raise_on_error = True
suppress_warnings = ["myst.header"]

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 90)]


html_theme = "pydata_sphinx_theme"
html_title = "satscore"
html_theme_options = {"navigation_with_keys": False}
