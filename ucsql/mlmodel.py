"""Reading an MLflow model directory's ``MLmodel`` file without importing MLflow or numpy.

Unity Catalog requires every model version to carry a signature with inputs and outputs; this is
where ucsql checks it, before any file is copied.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import InvalidArgument

HOW_TO_SIGN = (
    "Log the model with an input example (mlflow.sklearn.log_model(model, name='model', "
    "input_example=X[:1])) so MLflow infers the signature, or pass "
    "signature=mlflow.models.infer_signature(X, model.predict(X)).")


def read_mlmodel(directory: str | Path) -> dict:
    """The parsed MLmodel of ``directory``, checked to have a signature with inputs and outputs."""
    path = Path(directory).expanduser()
    try:
        is_dir = path.is_dir()
        has_mlmodel = is_dir and (path / "MLmodel").is_file()
    except (OSError, ValueError) as e:  # a name too long, no permission, a NUL ...
        raise InvalidArgument(f"Model directory {str(path)!r} cannot be read: "
                              f"{getattr(e, 'strerror', None) or e}. Give the folder that holds "
                              "the MLmodel file.") from None
    if not is_dir:
        raise InvalidArgument(f"Model directory {str(path)!r} does not exist or is not a directory. "
                              "Give the folder that holds the MLmodel file.")
    mlmodel = path / "MLmodel"
    if not has_mlmodel:
        raise InvalidArgument(f"{str(path)!r} is not an MLflow model directory: it has no MLmodel "
                              "file. Give the folder written by mlflow.<flavor>.save_model/log_model.")
    try:
        meta = yaml.safe_load(mlmodel.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, OSError, RecursionError) as e:
        raise InvalidArgument(f"The MLmodel file in {str(path)!r} cannot be read: {e}") from None
    signature = meta.get("signature") or {}
    if not isinstance(signature, dict) or not signature.get("inputs") or not signature.get("outputs"):
        raise InvalidArgument(f"The model in {str(path)!r} has no signature with inputs and outputs; "
                              f"model versions must have one. {HOW_TO_SIGN}")
    return meta
