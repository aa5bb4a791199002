"""What the MLflow façade says in MLflow's terms where the engine speaks SQL.

The engine's errors end with a hint for the SQL user ("Use SHOW VERSIONS IN MODEL m."); someone
calling ``MlflowClient`` gets the MLflow call that answers the same question instead. The hints
are rewritten here, at the boundary, so the engine keeps one message per error and the façade
its own wording. A SQL hint this table does not know is dropped rather than shown to an MLflow
caller (tests/test_mlflow_calls.py checks that none reaches one).
"""

from __future__ import annotations

import re

# (the engine's hint, what an MLflow caller is told). Names in hints are ucsql names: no spaces.
_HINTS = [
    (r"Use SHOW CATALOGS to see the catalogs you can use\.",
     lambda m: "MlflowClient().search_registered_models() lists the models you may see, with "
               "their catalogs; a catalog is created in SQL by someone allowed to (see the README)."),
    (r"Use SHOW SCHEMAS IN (\S+)\.",
     lambda m: f"MlflowClient().search_registered_models(\"name LIKE '{m[1]}.%'\") lists the "
               f"models you may see in {m[1]}."),
    (r"Use SHOW MODELS IN (\S+)\.",
     lambda m: f"MlflowClient().search_registered_models(\"name LIKE '{m[1]}.%'\") lists the "
               f"models you may see there."),
    (r"Use SHOW VERSIONS IN MODEL (\S+)\.",
     lambda m: f"MlflowClient().search_model_versions(\"name = '{m[1]}'\") lists its versions."),
    (r"Use DESCRIBE MODEL (\S+) to see its aliases\.",
     lambda m: f"MlflowClient().get_registered_model('{m[1]}').aliases lists its aliases."),
    (r"(Model (\S+) already exists\.) Use CREATE MODEL IF NOT EXISTS to ignore this\.",
     lambda m: f"{m[1]} MlflowClient().create_model_version('{m[2]}', source) adds a version "
               "to it."),
    (r"use ALTER MODEL <name> ADD VERSION FROM MODEL <source model> VERSION <n>,",
     lambda m: "use MlflowClient().copy_model_version('models:/<source model>/<n>', '<name>'),"),
]
_COMPILED = [(re.compile(pattern), replace) for pattern, replace in _HINTS]
# Any other sentence that tells the caller to run a statement (to the full stop that ends it,
# not the dots inside a name).
_SQL_HINT = re.compile(r"\s*Use (SHOW|DESCRIBE|CREATE|DROP|ALTER|GRANT|REVOKE|GET|SET)\b.*?\.(?=\s|$)")


def in_mlflow_terms(message: str) -> str:
    """``message`` with its SQL hints replaced by the MLflow calls that do the same."""
    for pattern, replace in _COMPILED:
        message = pattern.sub(replace, message)
    return _SQL_HINT.sub("", message)


def one_line(text: str, limit: int = 300) -> str:
    """The last informative line of a (multi-line) message from MLflow's download machinery,
    which lists each file it tried under '#####' headers: the reason, without the internals."""
    lines = [line.strip() for line in str(text).splitlines()]
    lines = [line for line in lines if line and not line.startswith("#") and not line.endswith(":")]
    line = lines[-1] if lines else str(text).strip()
    return line if len(line) <= limit else line[: limit - 3] + "..."


# Not "model version" nor "registered model": MLflow's prompt calls rewrite those words to
# "prompt" in the messages they pass on (mlflow.prompt.registry_utils.translate_prompt_exception).
PROMPTS = (
    "Prompts are not supported by the ucsql registry yet: every ucsql version is a folder of "
    "model files with a signature, and a prompt has neither. Keep prompts in MLflow's "
    "own registry, e.g. MlflowClient(registry_uri='sqlite:///prompts.db').register_prompt(...) "
    "and .load_prompt(...), while models stay in ucsql.")

STAGES = (
    "Stages are not supported by ucsql, as in Unity Catalog. Use aliases instead: "
    "MlflowClient().set_registered_model_alias(name, 'Champion', version) marks a version, and "
    "mlflow.pyfunc.load_model('models:/<name>@Champion') loads it.")
