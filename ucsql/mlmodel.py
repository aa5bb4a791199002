"""Reading an MLflow model directory's ``MLmodel`` file without importing MLflow or numpy.

Unity Catalog requires every model version to carry a signature with inputs and outputs; this is
where ucsql checks it, before any file is copied.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InvalidArgument
from .storage import open_regular

# An MLmodel file is YAML of a few kilobytes (signatures of wide inputs make it larger).
MAX_MLMODEL = 16 << 20

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
    if mlmodel.is_symlink():
        raise InvalidArgument(f"The MLmodel file in {str(path)!r} is a symbolic link; model folders "
                              "may hold only regular files. Replace it with the file itself.")
    if not has_mlmodel:
        raise InvalidArgument(f"{str(path)!r} is not an MLflow model directory: it has no MLmodel "
                              "file. Give the folder written by mlflow.<flavor>.save_model/log_model.")
    try:
        # Opened without following links and read up to a bound: the file is the caller's.
        with os.fdopen(open_regular(mlmodel), "rb") as f:
            data = f.read(MAX_MLMODEL + 1)
    except OSError as e:
        raise InvalidArgument(f"The MLmodel file in {str(path)!r} cannot be read: "
                              f"{e.strerror or e}.") from None
    if len(data) > MAX_MLMODEL:
        raise InvalidArgument(f"The MLmodel file in {str(path)!r} is larger than "
                              f"{MAX_MLMODEL >> 20} MB; an MLmodel file describes a model and is "
                              "a few kilobytes. Give the folder MLflow wrote.")
    import yaml  # here, not at the top: the CLI's start-up does not need it
    try:
        meta = yaml.safe_load(data.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as e:
        raise InvalidArgument(f"The MLmodel file in {str(path)!r} is not valid YAML: "
                              f"{str(e).splitlines()[0][:200]}") from None
    if not isinstance(meta, dict):
        raise InvalidArgument(f"The MLmodel file in {str(path)!r} is not an MLflow model "
                              "description (a YAML mapping with flavors and a signature).")
    signature = meta.get("signature") or {}
    if not isinstance(signature, dict) or not signature.get("inputs") or not signature.get("outputs"):
        raise InvalidArgument(f"The model in {str(path)!r} has no signature with inputs and outputs; "
                              f"model versions must have one. {HOW_TO_SIGN}")
    return meta
