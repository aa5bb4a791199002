"""ucsql: a Unity-Catalog-style ML model catalog inside one DuckDB file, SQL first."""

from . import errors
from .api import Catalog, connect
from .result import Result

__version__ = "0.1.0"
__all__ = ["connect", "Catalog", "Result", "errors", "__version__"]
