"""What the local pool's fork server imports (:mod:`dxnb.pool_start`), and one chart of each kind drawn there.

Importing this module imports every module a worker, a zygote and a kernel need
(:data:`dxnb.pool_start.PRELOAD`, in order), draws the warm-up charts of
:func:`dxnb.zygote_process.warm_charts` (fonts, glyph caches, number and date formatting) and builds
nbconvert's exporter with its templates compiled, so that the workers, zygotes and kernels forked from the
server start warm. A zygote forked from a process that has imported this module does not draw the charts again.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os

from .pool_start import PRELOAD, WARMING_VARIABLE
from .worker import skip_unused_imports
from .zygote_process import warm_charts

skip_unused_imports()
try:
    for _name in PRELOAD:
        importlib.import_module(_name)
except Exception as _exc:  # the server must still serve: a worker then imports what it lacks itself
    logging.getLogger(__name__).warning("the fork server could not import %s: %s", _name, _exc)
warm_charts()
try:  # nbconvert's exporter and its compiled templates, which each worker's first report would build
    import nbformat

    from .export import notebook_to_html

    _cell = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output("display_data", {"text/html": "<p></p>"})])
    notebook_to_html(nbformat.v4.new_notebook(cells=[_cell]), title="", lang="vi", back="", back_label="")
except Exception as _exc:  # an optimisation: the worker builds it itself
    logging.getLogger(__name__).warning("the fork server could not warm the HTML export: %s", _exc)
# What was imported and drawn stays out of the collector's sight in every process forked from the server: a
# worker's collections do not walk pandas' and matplotlib's objects, nor dirty their pages (copy-on-write).
gc.collect()
gc.freeze()
_warming = os.environ.pop(WARMING_VARIABLE, "")  # not handed on to the workers
if _warming:  # the pool waits for it to go before it asks for workers (pool_start.wait_until_ready)
    with contextlib.suppress(OSError):
        os.unlink(_warming)
