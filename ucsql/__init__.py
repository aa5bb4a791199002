"""ucsql: a Unity-Catalog-style ML model catalog inside one DuckDB file, SQL first."""

from . import errors
from .api import Catalog, connect
from .result import Result

__version__ = "0.1.0"
__all__ = ["Catalog", "Result", "__version__", "connect", "errors"]


def load_ipython_extension(ipython) -> None:
    """``%load_ext ucsql``: the ``%ucsql`` / ``%%ucsql`` magics. IPython is imported only here."""
    from .magics import load_ipython_extension as load

    load(ipython)
