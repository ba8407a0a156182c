"""Export an executed report notebook to one self-contained HTML file, in-process.

A trimmed nbconvert template (``templates/dxnb_report``, styled by the one stylesheet
``templates/report.css``) replaces the ~270 KB of JupyterLab CSS and the CDN scripts of the stock
templates; code, the injected-parameters cell, cells tagged ``remove-cell`` and log output are left
out. Charts are already embedded as data URIs.
"""

from __future__ import annotations

import functools

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from . import __version__
from .html import stylesheet
from .paths import TEMPLATES_DIR

REMOVE_CELL_TAGS = {"remove-cell", "injected-parameters"}
REMOVE_INPUT_TAGS = {"remove-input"}


@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        template_name="dxnb_report",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL_TAGS, remove_input_tags=REMOVE_INPUT_TAGS, enabled=True),
        enabled=True,
    )
    return exporter


def notebook_to_html(
    nb: nbformat.NotebookNode, *, title: str, lang: str = "vi", back: str | None = None, back_label: str = ""
) -> str:
    """Return the HTML page of an executed notebook (no code, no network, UTF-8)."""
    resources = {
        "metadata": {"name": title},
        "dxnb_title": title,
        "dxnb_lang": lang,
        "dxnb_version": __version__,
        "dxnb_back": back,
        "dxnb_back_label": back_label,
        "dxnb_css": stylesheet(),
    }
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body
