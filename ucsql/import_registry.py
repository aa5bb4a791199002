"""``ucsql migrate``: copy an MLflow model registry (any URI MLflow opens) into a ucsql schema.

The source is read with MLflow's own client; everything written is a ucsql statement (a node of
the dialect, as the MLflow façade builds them) run through the engine as the migrating principal
(``Catalog.execute``), so privileges and the audit log apply as for any other change; the target
is read through the system views (``sql/registry_import/``). What moves, and how (README, "Migrating from an MLflow registry"):

* each registered model becomes ``catalog.schema.<mapped name>`` (``map_name``), with its
  description (COMMENT) and tags; each READY version, in source order, becomes a version
  registered from its downloaded files (``ADD VERSION FROM``), with its source URI, run id, run
  link, logged model id, description and tags;
* stages become aliases (``DEFAULT_STAGE_ALIASES``: the newest version in each mapped stage gets
  the alias) and every staged version keeps its stage in the tag ``mlflow_stage``; the source's
  own aliases move as they are and win over a stage alias of the same name;
* a migrated version carries the tag ``migrated_from`` naming the source registry, model and
  version: that is how a rerun, or a run resumed after ``kill -9``, recognises what is already
  there. Each version is one ADD VERSION (one transaction), so a crash leaves it whole or absent;
  every other change is made only where the target differs, so a rerun changes nothing.
"""

from __future__ import annotations

import datetime
import functools
import os
import re
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp

from . import dialect as d
from . import names, queries
from .dialect import quote_name
from .errors import AlreadyExists, InvalidArgument, NotFound, Unreachable
from .mlmodel import read_mlmodel

DEFAULT_STAGE_ALIASES = {"Production": "Champion", "Staging": "Challenger"}
STAGES = ("Production", "Staging", "Archived")
MARKER = "migrated_from"  # the version tag that names the source version
STAGE_TAG = "mlflow_stage"  # the version tag that keeps the source version's stage
CREATED_BY_TAG, CREATED_AT_TAG = "mlflow_created_by", "mlflow_created_at"
_OURS = (MARKER, STAGE_TAG, CREATED_BY_TAG, CREATED_AT_TAG)
_FORBIDDEN_IN_NAME = re.compile(r"[./ \x00-\x1f\x7f]")
_FORBIDDEN_IN_TAG = re.compile(r"[.,\-=/:\x00-\x1f\x7f]")
_FORBIDDEN_IN_SYSTEM_TAG = re.compile(r"[,\-=/:\x00-\x1f\x7f]")  # mlflow.* keys keep dots
_PAGE = 1000


def map_name(name: str) -> str:
    """A legacy model name as a ucsql name part: lower-cased (ucsql names are case-insensitive),
    with each character ucsql names refuse ('.', '/', space, control characters) made '_'.

    >>> map_name("Fraud Detector/v2.1")
    'fraud_detector_v2_1'
    """
    return _FORBIDDEN_IN_NAME.sub("_", name).lower()


def map_tag_key(key: str) -> str:
    """A tag key as ucsql takes it: '. , - = / :' and control characters made '_' (MLflow's
    system tags, ``mlflow.*``, keep their dots), surrounding spaces removed."""
    key = key.strip()
    if key.startswith("mlflow."):
        return _FORBIDDEN_IN_SYSTEM_TAG.sub("_", key)
    return _FORBIDDEN_IN_TAG.sub("_", key)


def parse_stage_aliases(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``--stage-alias Production=Champion`` flags over the default mapping; ``Staging=`` maps a
    stage to no alias."""
    mapping = dict(DEFAULT_STAGE_ALIASES)
    for pair in pairs:
        stage, sep, alias = pair.partition("=")
        canonical = {s.lower(): s for s in STAGES}.get(stage.strip().lower())
        if not sep or canonical is None:
            raise InvalidArgument(f"--stage-alias {pair!r} is not STAGE=ALIAS with STAGE one of "
                                  f"{', '.join(STAGES)} (e.g. Production=Champion; "
                                  "Staging= for no alias).")
        if alias.strip():
            mapping[canonical] = names.alias(alias.strip())
        else:
            mapping.pop(canonical, None)
    return mapping


def registry_id(uri: str) -> str:
    """The source registry as the ``migrated_from`` tag names it: a SQLite path made absolute
    and a URL without its credentials, so the same registry is recognised however it was given."""
    parsed = urllib.parse.urlsplit(uri)
    if parsed.scheme.startswith("sqlite") and uri.startswith(f"{parsed.scheme}:///"):
        path = uri[len(f"{parsed.scheme}:///"):]
        return uri if path == ":memory:" else f"{parsed.scheme}:///{os.path.abspath(path)}"
    if parsed.scheme in ("", "file"):
        return "file://" + os.path.abspath(parsed.path if parsed.scheme else uri)
    if parsed.username or parsed.password:
        host = parsed.hostname or ""
        netloc = host + (f":{parsed.port}" if parsed.port else "")
        return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
    return uri


@dataclass
class Entry:
    """One line of the final report: what happened to one source object."""

    outcome: str  # migrated, already there, updated, skipped, planned
    source: str  # models:/name/version, models:/name or models:/name@alias
    target: str  # catalog.schema.model [version n]
    reason: str = ""
    kind: str = "version"  # or model, alias


@dataclass
class Report:
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # renamed names, numbers, conflicts
    dry_run: bool = False

    def add(self, outcome: str, source: str, target: str, reason: str = "",
            kind: str = "version") -> None:
        self.entries.append(Entry(outcome, source, target, reason, kind))

    def summary(self) -> str:
        versions = [e for e in self.entries if e.kind == "version"]
        counts = {o: sum(1 for e in versions if e.outcome == o)
                  for o in ("migrated", "already there", "updated", "skipped", "planned")}
        counts["already there"] += counts["updated"]
        updated = f" ({counts['updated']} updated)" if counts["updated"] else ""
        if self.dry_run:
            return (f"Dry run, nothing changed: {_versions(counts['planned'])} to migrate, "
                    f"{counts['already there']} already there, {counts['skipped']} to skip.")
        return (f"Migrated {_versions(counts['migrated'])}; {counts['already there']} already "
                f"there{updated}; {counts['skipped']} skipped.")


def _versions(n: int) -> str:
    return f"{n} version" if n == 1 else f"{n} versions"


class _Source:
    """The legacy registry, through MLflow's client (no global MLflow state is touched)."""

    def __init__(self, registry_uri: str, tracking_uri: str | None):
        from mlflow import MlflowClient
        for uri in (registry_uri, tracking_uri):
            local = _local_store(uri)
            if local is not None and not os.path.exists(local):
                # MLflow would create an empty registry there: a typo must not do that.
                raise NotFound(f"There is no MLflow registry at {uri}: {local} does not exist. "
                               "Give the URI of the registry to migrate from, e.g. "
                               "--from sqlite:///path/to/mlflow.db.")
        self.registry_uri = registry_uri
        self.tracking_uri = tracking_uri or registry_uri
        self.client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=registry_uri)

    def models(self) -> list:
        try:
            return self._models()
        except Exception as e:  # noqa: BLE001 -- whatever the store raised, said once, clearly
            raise Unreachable(f"Cannot read the MLflow registry at {self.registry_uri}: "
                              f"{str(e).splitlines()[0][:300] if str(e) else type(e).__name__}. "
                              "Check --from (and --tracking-uri).") from None

    def _models(self) -> list:
        found, token = [], None
        while True:
            page = self.client.search_registered_models(max_results=_PAGE, page_token=token)
            found += page
            token = page.token
            if not token:
                return sorted(found, key=lambda m: m.name)

    def model(self, name: str):
        return self.client.get_registered_model(name)

    def versions(self, name: str) -> list:
        quote = '"' if "'" in name else "'"
        found, token = [], None
        while True:
            page = self.client.search_model_versions(f"name = {quote}{name}{quote}",
                                                     max_results=_PAGE, page_token=token)
            found += page
            token = page.token
            if not token:
                return sorted(found, key=lambda v: int(v.version))

    def download(self, version, dst: str, only_mlmodel: bool = False) -> Path:
        """The version's model folder (or only its MLmodel file) downloaded into ``dst``."""
        from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
        uri = self.client.get_model_version_download_uri(version.name, version.version)
        if uri.startswith("models:/m-"):  # a logged model (MLflow 3): its own artifact folder
            uri = self.client.get_logged_model(uri[len("models:/"):]).artifact_location
        repo = get_artifact_repository(uri, tracking_uri=self.tracking_uri,
                                       registry_uri=self.registry_uri)
        Path(dst).mkdir(parents=True, exist_ok=True)
        if only_mlmodel:
            repo.download_artifacts("MLmodel", dst_path=dst)
            return Path(dst)
        return Path(repo.download_artifacts("", dst_path=dst))


def infer_signature(folder: Path) -> str | None:
    """Give the model in ``folder`` a signature inferred from its saved input example and the
    model's prediction on it (MLflow's ``infer_signature``), written into its MLmodel file.
    Returns why it could not, or None. Loading runs the model's code: a trusted source only."""
    from mlflow.models import Model
    from mlflow.models import infer_signature as mlflow_infer
    try:
        model = Model.load(str(folder))
        if not model.saved_input_example_info:
            return "it has no signature and no input example to infer one from"
        example = model.load_input_example(str(folder))
        import mlflow.pyfunc
        output = mlflow.pyfunc.load_model(str(folder)).predict(example)
        model.signature = mlflow_infer(example, output)
        model.save(str(folder / "MLmodel"))
    except Exception as e:  # noqa: BLE001 -- any failure of the model's own code is a reason
        return f"inferring a signature from its input example failed: {str(e)[:200]}"
    return None


@functools.cache
def _query(name: str) -> str:
    return (queries.sql_dir() / "registry_import" / f"{name}.sql").read_text(encoding="utf-8")


class _Target:
    """What the target schema holds now, read once through the system views as the migrating
    principal, and kept up to date as statements change it."""

    def __init__(self, catalog, catalog_name: str, schema_name: str):
        self.catalog = catalog
        where = {"catalog": catalog_name, "schema": schema_name}
        if not self._rows("schema", where):
            raise NotFound(f"Schema {catalog_name}.{schema_name} does not exist, or you "
                           f"({catalog.principal}) cannot use it. Create it first (CREATE SCHEMA "
                           f"{quote_name(catalog_name)}.{quote_name(schema_name)}) or ask for "
                           "USE CATALOG and USE SCHEMA on it.")
        self.comments = {r["model_name"]: r["comment"] for r in self._rows("models", where)}
        self.model_tags: dict[str, dict] = {}
        for r in self._rows("model_tags", where):
            self.model_tags.setdefault(r["model_name"], {})[r["tag_name"]] = r["tag_value"]
        self.versions: dict[str, dict[int, dict]] = {}
        for r in self._rows("versions", where):
            tags = dict(zip(r["tag_names"], r["tag_values"]))
            self.versions.setdefault(r["model_name"], {})[r["version"]] = {
                "comment": r["comment"], "tags": tags}
        self.aliases: dict[str, dict] = {}
        for r in self._rows("aliases", where):
            self.aliases.setdefault(r["model_name"], {})[r["alias"]] = r["version"]

    def _rows(self, query: str, params: dict) -> list[dict]:
        return self.catalog.sql(_query(query), params).table.to_pylist()

    def migrated(self, model: str) -> dict[str, int]:
        """``migrated_from`` value -> version number, for the versions of ``model``."""
        return {v["tags"][MARKER]: n for n, v in self.versions.get(model, {}).items()
                if MARKER in v["tags"]}


class Migration:
    """One run of ``ucsql migrate``. ``say(line)`` is told each step as it is done (the CLI
    prints it); ``progress(done, total, unit)`` how many source versions are through."""

    def __init__(self, catalog, source_uri: str, into: str, *, tracking_uri: str | None = None,
                 stage_aliases: dict[str, str] | None = None, infer: bool = False,
                 dry_run: bool = False, say: Callable[[str], None] = lambda line: None,
                 progress: Callable[[int, int, str], None] | None = None):
        parts = into.split(".")
        if len(parts) != 2 or not all(parts):
            raise InvalidArgument(f"--into {into!r} is not catalog.schema: give the schema the "
                                  "models go into, e.g. --into prod.ml_team.")
        self.catalog_name, self.schema_name = (names.securable_name(parts[0], "catalog"),
                                               names.securable_name(parts[1], "schema"))
        self.catalog = catalog
        self.source = _Source(source_uri, tracking_uri)
        self.registry = registry_id(source_uri)
        self.stage_aliases = DEFAULT_STAGE_ALIASES if stage_aliases is None else stage_aliases
        self.infer = infer
        self.report = Report(dry_run=dry_run)
        self.say = say
        self.progress = progress
        self.changes = 0  # statements that changed the target (the CLI says so on an error)

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> Report:
        target = _Target(self.catalog, self.catalog_name, self.schema_name)
        models = self._mapped(self.source.models())
        plans = [(model, name, self.source.versions(model.name)) for model, name in models]
        self._total, self._done = sum(len(v) for _, _, v in plans), 0
        self._tick(0)
        for model, name, versions in plans:
            if name is None:
                for version in versions:
                    self.report.add("skipped", f"models:/{model.name}/{version.version}", "",
                                    "its model is not migrated (above)")
                self._tick(len(versions))
                continue
            self._model(target, self.source.model(model.name), name, versions)
        return self.report

    def _tick(self, versions: int) -> None:
        self._done += versions
        if self.progress:
            self.progress(self._done, self._total, "source versions")

    def _mapped(self, models: list) -> list[tuple[object, str | None]]:
        """(source model, target name or None when it cannot be migrated), with a note for
        every name that changed and a skip for names that collide or are not valid."""
        by_target: dict[str, list[str]] = {}
        for m in models:
            by_target.setdefault(map_name(m.name), []).append(m.name)
        mapped = []
        for m in models:
            name = map_name(m.name)
            where = f"models:/{m.name}"
            if (m.tags or {}).get("mlflow.prompt.is_prompt") == "true":
                self.report.add("skipped", where, "", "a prompt, not a model: ucsql keeps no "
                                "prompts (keep it in MLflow's registry)", kind="model")
                name = None
            elif len(by_target[name]) > 1:
                others = ", ".join(repr(n) for n in by_target[name] if n != m.name)
                self.report.add("skipped", where, self._full(name), f"its name maps to "
                                f"{name!r}, as {others} does: rename one of them in the source",
                                kind="model")
                name = None
            else:
                try:
                    names.securable_name(name, "model")
                except InvalidArgument as e:
                    self.report.add("skipped", where, "", e.message, kind="model")
                    name = None
            if name is not None and name != m.name:
                self.report.notes.append(f"Model {m.name!r} is {self._full(name)} (ucsql names "
                                         "are lower-case, without '.', '/', spaces).")
            mapped.append((m, name))
        return mapped

    def _model(self, target: _Target, model, name: str, versions: list) -> None:
        full = self._full(name)
        tags = self._tags(model.tags or {}, f"model {model.name!r}")
        tags[MARKER] = f"{self.registry} models:/{model.name}"[: names.MAX_TAG_VALUE]
        have = target.model_tags.setdefault(name, {})
        if name not in target.comments:
            # Created with its tags in one transaction: a crash leaves no model without the
            # migrated_from tag, which is what makes it this migration's model.
            try:
                self._change(f"create model {full}", d.CreateSecurable(
                    kind="MODEL", this=d.name_node(full),
                    comment=_lit(model.description) if model.description else None),
                    d.SetTags(kind="MODEL", this=d.name_node(full), expressions=_pairs(tags)))
            except AlreadyExists:  # someone else's, which this principal may not see
                return self._not_ours(model, full, versions, " (you cannot see it)")
            except InvalidArgument as e:  # a value ucsql refuses (too many tags ...)
                return self._not_ours(model, full, versions, "", e.message)
            target.comments[name] = model.description or None
            have.update(tags)
            self.report.add("migrated" if not self.report.dry_run else "planned",
                            f"models:/{model.name}", full, kind="model")
        elif have.get(MARKER) != tags[MARKER]:
            return self._not_ours(model, full, versions, "")
        else:
            if model.description and target.comments[name] != model.description:
                self._change(f"set the comment of {full}", d.CommentOn(
                    kind="MODEL", this=d.name_node(full), comment=_lit(model.description)))
                target.comments[name] = model.description
            self._set_tags(full, None, tags, have)
        migrated = target.migrated(name)
        self._planned: set[str] = set()  # (dry run) source versions that would be added
        numbers: dict[str, int | None] = {}  # source version -> target version (None: skipped)
        for version in versions:
            numbers[str(version.version)] = self._version(target, name, version, migrated)
            self._tick(1)
        self._aliases(target, model, name, versions, numbers)

    def _not_ours(self, model, full: str, versions: list, unseen: str,
                  refused: str | None = None) -> None:
        """A model of the target's name that this migration did not make (or could not make:
        ``refused`` says why) is left alone, with its versions."""
        self.report.add("skipped", f"models:/{model.name}", full, refused or
                        f"{full} already exists{unseen} and was not migrated from "
                        f"models:/{model.name} of this registry; migrate into another schema, "
                        "or rename one of them", kind="model")
        for version in versions:
            self.report.add("skipped", f"models:/{model.name}/{version.version}", full,
                            "its model is not migrated (above)")
        self._tick(len(versions))

    def _version(self, target: _Target, name: str, version, migrated: dict[str, int]):
        full = self._full(name)
        where = f"models:/{version.name}/{version.version}"
        marker = f"{self.registry} {where}"[: names.MAX_TAG_VALUE]
        tags = self._tags(version.tags or {}, f"{where}")
        tags[MARKER] = marker
        if version.current_stage and version.current_stage != "None":
            tags[STAGE_TAG] = version.current_stage
        # Who made it and when, in the source: ucsql records its own creator and time.
        if getattr(version, "user_id", None):
            tags[CREATED_BY_TAG] = str(version.user_id)[: names.MAX_TAG_VALUE]
        if getattr(version, "creation_timestamp", None):
            tags[CREATED_AT_TAG] = datetime.datetime.fromtimestamp(
                version.creation_timestamp / 1000, datetime.timezone.utc).isoformat()
        number = migrated.get(marker)
        if number is not None:
            here = target.versions[name][number]
            changed = self._set_tags(full, number, tags, here["tags"])
            if version.description and here["comment"] != version.description:
                self._change(f"set the comment of {full} version {number}", d.CommentOn(
                    kind="MODEL", this=d.name_node(full), version=exp.Literal.number(number),
                    comment=_lit(version.description)))
                here["comment"] = version.description
                changed = True
            self.report.add("updated" if changed else "already there", where,
                            f"{full} version {number}")
            return number
        if getattr(version, "status", "READY") not in ("READY", None):
            self.report.add("skipped", where, full, f"its status is {version.status}, not READY")
            return None
        with tempfile.TemporaryDirectory(prefix="ucsql-migrate-") as tmp:
            reason = self._fetch(version, Path(tmp))
            if reason is not None:
                self.report.add("skipped", where, full, reason)
                self.say(f"skipped {where}: {reason}")
                return None
            folder = Path(tmp) / "model"
            if self.report.dry_run:
                self._planned.add(str(version.version))
                self.report.add("planned", where, f"{full} version (next)")
                self.say(f"would migrate {where} -> {full}")
                return None
            try:
                number = self._add(full, folder, version, tags)
            except InvalidArgument as e:  # this version's files or metadata; others go on
                self.report.add("skipped", where, full, e.message)
                self.say(f"skipped {where}: {e.message}")
                return None
        target.versions.setdefault(name, {})[number] = {"comment": version.description,
                                                        "tags": dict(tags)}
        migrated[marker] = number
        self.report.add("migrated", where, f"{full} version {number}")
        if str(number) != str(version.version):
            self.report.notes.append(f"{where} is version {number} of {full} (numbers are "
                                     "kept only when every earlier version migrates first).")
        self.say(f"migrated {where} -> {full} version {number}")
        return number

    def _fetch(self, version, tmp: Path) -> str | None:
        """Download the version (a dry run: only its MLmodel) into ``tmp/model``; the reason it
        cannot be migrated, or None. A version without signature is given one with --infer."""
        folder = tmp / "model"
        try:
            if self.report.dry_run:
                self.source.download(version, str(folder), only_mlmodel=True)
            else:
                folder = self.source.download(version, str(folder))
                if folder != tmp / "model":
                    os.rename(folder, tmp / "model")
                    folder = tmp / "model"
        except Exception as e:  # noqa: BLE001 -- MLflow's errors vary by store; each is a reason
            return f"its files could not be downloaded: {str(e).splitlines()[0][:200]}"
        try:
            read_mlmodel(folder)
            return None
        except InvalidArgument:
            if not _has_input_example(folder):
                return ("it has no signature (ucsql versions need one) and no input example "
                        "to infer one from: log it again with a signature")
            if not self.infer:
                return ("it has no signature (ucsql versions need one): rerun with "
                        "--infer-signature to infer one from its input example")
        if self.report.dry_run:
            return None
        reason = infer_signature(folder)
        if reason is None:
            self.report.notes.append(f"models:/{version.name}/{version.version}: signature "
                                     "inferred from its input example.")
        return reason

    def _add(self, full: str, folder: Path, version, tags: dict[str, str]) -> int:
        """One ADD VERSION (one transaction) with what the source version records, and the
        datasets its run logged (mlflow.log_input) as lineage, as registering does; its number."""
        from .mlflow_store import get_run, lineage_json
        lineage = lineage_json(get_run(self.source.client, version.run_id))
        node = d.AddModelVersion(
            this=d.name_node(full), source=_lit(folder), source_uri=_opt(version.source),
            run_id=_opt(version.run_id),
            run_link=_opt(version.run_link) if version.run_id else None,
            logged_model_id=_opt(_logged_model_id(version)),
            comment=_opt(version.description), tags=_pairs(tags), lineage=_opt(lineage))
        number = self.catalog.execute(node).details["version"]
        self.changes += 1
        return number

    def _aliases(self, target: _Target, model, name: str, versions: list, numbers: dict) -> None:
        full = self._full(name)
        wanted: dict[str, str] = {}  # alias -> source version
        for stage, alias in self.stage_aliases.items():
            staged = [str(v.version) for v in versions if v.current_stage == stage]
            if staged:
                wanted[alias] = max(staged, key=int)
                if len(staged) > 1:
                    self.report.notes.append(
                        f"models:/{model.name}: {len(staged)} versions are in {stage}; alias "
                        f"{alias} goes to the newest ({wanted[alias]}), all keep "
                        f"{STAGE_TAG}={stage}.")
        for alias, source_version in (model.aliases or {}).items():
            if alias in wanted and wanted[alias] != str(source_version):
                self.report.notes.append(
                    f"models:/{model.name}: its alias {alias} (version {source_version}) wins "
                    f"over the stage alias {alias} (version {wanted[alias]}).")
            wanted[alias] = str(source_version)
        have = target.aliases.setdefault(name, {})
        for alias, source_version in sorted(wanted.items()):
            where = f"models:/{model.name}@{alias}"
            try:
                names.alias(alias)
            except InvalidArgument as e:
                self.report.add("skipped", where, full, e.message, kind="alias")
                continue
            number = numbers.get(source_version)
            if number is None and self.report.dry_run and source_version in self._planned:
                self.say(f"would set alias {alias} of {full} to the version migrated from "
                         f"models:/{model.name}/{source_version}")
                continue
            if number is None:
                self.report.add("skipped", where, full, f"version {source_version} is not "
                                "migrated", kind="alias")
                continue
            if have.get(alias) != number:
                try:
                    self._change(f"set alias {alias} of {full} to version {number}",
                                 d.SetModelAlias(this=d.name_node(full),
                                                 alias=exp.to_identifier(alias, quoted=True),
                                                 version=exp.Literal.number(number)))
                except InvalidArgument as e:  # more aliases than a model may have
                    self.report.add("skipped", where, full, e.message, kind="alias")
                    continue
                have[alias] = number

    # -- helpers ------------------------------------------------------------------------------
    def _full(self, name: str) -> str:
        return f"{self.catalog_name}.{self.schema_name}.{name}"

    def _tags(self, tags: dict, what: str) -> dict[str, str]:
        """Source tags as ucsql takes them: keys mapped (noted), values over the limit left out
        (noted)."""
        out = {}
        for key, value in sorted(tags.items()):
            mapped = map_tag_key(key)
            value = "" if value is None else str(value)
            if not mapped or len(mapped) > names.MAX_NAME or mapped in _OURS:
                self.report.notes.append(f"{what}: tag {key!r} left out (its key cannot be a "
                                         "ucsql tag key).")
                continue
            if len(value) > names.MAX_TAG_VALUE:
                self.report.notes.append(f"{what}: tag {key!r} left out (its value is "
                                         f"{len(value)} characters; at most "
                                         f"{names.MAX_TAG_VALUE}).")
                continue
            if mapped != key:
                self.report.notes.append(f"{what}: tag {key!r} is {mapped!r}.")
            out[mapped] = value
        return out

    def _set_tags(self, full: str, version: int | None, tags: dict[str, str],
                  have: dict) -> bool:
        """SET TAGS for the tags whose value differs from the target's; whether any did."""
        changed = {k: v for k, v in tags.items() if have.get(k) != v}
        if not changed:
            return False
        what = f"{full} version {version}" if version is not None else full
        try:
            self._change(f"set {len(changed)} tags of {what}", d.SetTags(
                kind="MODEL", this=d.name_node(full), expressions=_pairs(changed),
                version=None if version is None else exp.Literal.number(version)))
        except InvalidArgument as e:  # more tags than ucsql allows on one object
            self.report.notes.append(f"The tags of {what} were not updated: {e.message}")
            return False
        have.update(changed)
        return True

    def _change(self, what: str, *nodes: exp.Expression) -> None:
        """Run the statements (several: in one transaction) as the migrating principal, or in a
        dry run only say what they would do."""
        if self.report.dry_run:
            self.say(f"would {what}")
            return
        if len(nodes) == 1:
            self.catalog.execute(nodes[0])
        else:
            with self.catalog.engine.script_transaction():
                for node in nodes:
                    self.catalog.execute(node)
        self.changes += 1


def _logged_model_id(version) -> str | None:
    """The version's logged model (MLflow 3): its model_id, which stores leave empty when the
    source names it (``models:/m-...``)."""
    if getattr(version, "model_id", None):
        return version.model_id
    match = re.fullmatch(r"models:/(m-[0-9a-f]+)", version.source or "")
    return match.group(1) if match else None


def _lit(value) -> exp.Expression:
    return exp.Literal.string(str(value))


def _opt(value) -> exp.Expression | None:
    return _lit(value) if value else None


def _pairs(tags: dict[str, str]) -> list[d.TagPair]:
    return [d.TagPair(this=_lit(k), expression=_lit(v)) for k, v in tags.items()]


def _local_store(uri: str | None) -> str | None:
    """The file or folder a sqlite:/// or file store URI names (None for a server)."""
    if not uri:
        return None
    parsed = urllib.parse.urlsplit(uri)
    if parsed.scheme.startswith("sqlite"):
        path = uri.split(":///", 1)[1] if ":///" in uri else ""
        return None if path in ("", ":memory:") else path.split("?", 1)[0]
    if parsed.scheme == "file":
        return parsed.path
    if parsed.scheme == "":
        return uri
    return None


def _has_input_example(folder: Path) -> bool:
    try:
        import yaml
        meta = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8")) or {}
    except (OSError, ValueError):
        return False
    return bool(meta.get("saved_input_example_info"))


__all__ = ["Migration", "Report", "DEFAULT_STAGE_ALIASES", "map_name", "map_tag_key",
           "parse_stage_aliases"]
