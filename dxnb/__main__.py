"""``python -m dxnb``: the ``dxnb`` command line."""

from .cli import run

run()
