"""ucsql: a Unity-Catalog-style ML model catalog inside one DuckDB file, SQL first."""

import gc as _gc

# Importing ucsql (sqlglot's dialects above all) makes many objects and no garbage: the
# collector's passes meanwhile only cost start-up time (``ucsql -c``, benchmarks/cold_start.py).
_collecting = _gc.isenabled()
_gc.disable()
try:
    from . import errors
    from .api import Catalog, connect
    from .result import Result
finally:
    if _collecting:
        _gc.enable()

__version__ = "0.1.0"
__all__ = ["Catalog", "Result", "__version__", "connect", "errors"]


def load_ipython_extension(ipython) -> None:
    """``%load_ext ucsql``: the ``%ucsql`` / ``%%ucsql`` magics. IPython is imported only here."""
    from .magics import load_ipython_extension as load

    load(ipython)
