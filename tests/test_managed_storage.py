"""Nobody gets past their rights through the file system: the holes an attacker found, closed.

1. A folder inside managed storage (a registered version's files) is never a source: copying a
   version is ``ADD VERSION ... FROM MODEL``, which checks EXECUTE.
2. Where a version's files are is shown only to whoever may load it, and to the admin.
3. Choosing a MANAGED LOCATION needs CREATE_MANAGED_STORAGE; the folder must be the metastore's
   own (no system folder, no overlap with other storage, new or empty).
4. A model folder may hold only regular files and folders: no links, devices or pipes.

Every refusal is typed, changes nothing (no row, no file) and is audited.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import mlflow
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

import ucsql
from ucsql.errors import InvalidArgument, PermissionDenied

from .conftest import write_model_dir

MARKER = ".ucsql-metastore"


@pytest.fixture
def env(tmp_path):
    """A metastore with a secret model (bob has no privilege on it), and bob's own model folder."""
    path = tmp_path / "m.duckdb"
    admin = ucsql.connect(path, principal="admin")
    secret = write_model_dir(tmp_path / "secret_src", payload="the secret weights")
    admin.sql("CREATE CATALOG secret; CREATE SCHEMA secret.s; CREATE MODEL secret.s.m")
    admin.sql("ALTER MODEL secret.s.m ADD VERSION FROM ?", [str(secret)])
    admin.sql("GRANT EXECUTE ON MODEL secret.s.m TO admin")
    location = Path(admin.sql("SELECT storage_location FROM "
                              "system.information_schema.model_versions").scalar())
    yield {"path": path, "admin": admin, "bob": admin.as_principal("bob"), "secret": location,
           "tmp": tmp_path}
    admin.close()


def versions(admin: ucsql.Catalog) -> list[tuple]:
    return admin.sql("SELECT full_name, version FROM system.information_schema.model_versions "
                     "ORDER BY ALL").fetchall()


def last_audit(admin: ucsql.Catalog) -> tuple:
    return admin.sql("SELECT principal, action, result, detail FROM system.access.audit "
                     "ORDER BY audit_id DESC LIMIT 1").fetchone()


def files_under(root: Path) -> set[str]:
    """Every path under ``root`` (the metastore file and its log aside: DuckDB's business)."""
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.name not in ("m.duckdb", "m.duckdb.wal")}


# -- 1. no version's files as a source -----------------------------------------------------------

def _sources(env) -> list[str]:
    secret, path = env["secret"], env["path"]
    link = env["tmp"] / "innocent"
    if not link.exists():
        link.symlink_to(secret)
    return [str(secret), str(secret / "sub"), str(secret.parent), f"{path}.models",
            str(env["tmp"]), f"{path}.models/../{path.name}.models/models",
            "//" + str(secret).lstrip("/"), f"/proc/self/root{secret}", str(link)]


def test_sql_cannot_register_another_models_files(env):
    admin, bob = env["admin"], env["bob"]
    bob.sql("CREATE MODEL main.default.stolen")
    before = versions(admin)
    storage = files_under(Path(f"{env['path']}.models"))
    for source in _sources(env):
        with pytest.raises(PermissionDenied) as e:
            bob.sql("ALTER MODEL main.default.stolen ADD VERSION FROM ?", [source])
        assert "FROM MODEL" in str(e.value) and "EXECUTE" in str(e.value)
        assert last_audit(admin)[:3] == ("bob", "ADD_MODEL_VERSION", "DENIED")
    assert versions(admin) == before
    assert files_under(Path(f"{env['path']}.models")) == storage
    # The way to copy a version checks EXECUTE on it.
    with pytest.raises(PermissionDenied) as e:
        bob.sql("ALTER MODEL main.default.stolen ADD VERSION FROM MODEL secret.s.m VERSION 1")
    assert "missing" in str(e.value)


def test_the_mlflow_client_cannot_register_another_models_files(env, monkeypatch, tmp_path):
    monkeypatch.setenv("UCSQL_PRINCIPAL", "bob")
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    client = MlflowClient(registry_uri=f"ucsql://{env['path']}")
    try:
        client.create_registered_model("main.default.stolen")
        for source in (str(env["secret"]), f"file://{env['secret']}"):
            with pytest.raises(MlflowException) as e:
                client.create_model_version("main.default.stolen", source=source)
            assert e.value.error_code == "PERMISSION_DENIED"
        # A run whose artifact folder leads into the managed storage (a link): the folder the
        # run's artifacts really are in is checked, not a download of it.
        experiment = client.create_experiment("x", artifact_location=f"file://{tmp_path}/art")
        run = client.create_run(experiment)
        artifacts = Path(run.info.artifact_uri.removeprefix("file://"))
        artifacts.mkdir(parents=True)
        (artifacts / "model").symlink_to(env["secret"])
        with pytest.raises(MlflowException) as e:
            client.create_model_version("main.default.stolen",
                                        source=f"runs:/{run.info.run_id}/model")
        assert e.value.error_code == "PERMISSION_DENIED"
    finally:
        mlflow.set_tracking_uri("")
    assert versions(env["admin"]) == [("secret.s.m", 1)]


# -- 2. storage locations only for who may load --------------------------------------------------

def test_storage_location_is_shown_only_to_who_may_load_the_version(env):
    admin = env["admin"]
    admin.sql("CREATE USER bob; CREATE USER carol; CREATE USER root;"
              "GRANT BROWSE ON CATALOG secret TO bob; GRANT USE CATALOG ON CATALOG secret TO carol;"
              "GRANT USE SCHEMA ON SCHEMA secret.s TO carol; GRANT EXECUTE ON MODEL secret.s.m "
              "TO carol; CREATE GROUP admins; ALTER GROUP admins ADD USER root")
    queries = {
        "version": "SELECT storage_location FROM system.information_schema.model_versions",
        "model": "SELECT storage_location FROM system.information_schema.registered_models "
                 "WHERE full_name = 'secret.s.m'",
    }
    for who, shown in (("bob", False), ("carol", True), ("admin", True)):
        cat = admin.as_principal(who)
        for query in queries.values():
            [(value,)] = cat.sql(query).fetchall()
            assert (value is not None) == shown, (who, query)
        described = dict(cat.sql("DESCRIBE MODEL secret.s.m VERSION 1").fetchall())
        assert ("storage_location" in described) == shown
        assert described["content_digest"].startswith("sha256:")  # a digest gives nothing away
    [(model_folder,)] = admin.sql(queries["model"]).fetchall()
    assert Path(model_folder) == env["secret"].parent
    with pytest.raises(PermissionDenied):  # and GET MODEL VERSION needs EXECUTE, as loading does
        admin.as_principal("bob").sql("GET MODEL VERSION secret.s.m VERSION 1")
    # The admin without EXECUTE sees where the files are, but still may not load them.
    admin.sql("REVOKE EXECUTE ON MODEL secret.s.m FROM admin")
    assert admin.sql(queries["version"]).scalar() == str(env["secret"])


# -- 3. MANAGED LOCATION ---------------------------------------------------------------------------

def test_choosing_a_managed_location_needs_its_own_privilege(env):
    admin, bob = env["admin"], env["bob"]
    admin.sql("CREATE USER bob; GRANT CREATE SCHEMA, USE CATALOG ON CATALOG main TO bob")
    target = env["tmp"] / "bobs-files"
    with pytest.raises(PermissionDenied) as e:
        bob.sql("CREATE SCHEMA main.evil MANAGED LOCATION ?", [str(target)])
    assert str(e.value) == ("Permission denied: bob cannot choose a MANAGED LOCATION for schema "
                            "main.evil: missing CREATE_MANAGED_STORAGE on METASTORE metastore.")
    assert last_audit(admin)[:3] == ("bob", "CREATE_SCHEMA", "DENIED")
    assert not target.exists()
    assert admin.sql("SHOW SCHEMAS IN main").fetchall() == [("main", "default", "admin",
                                                               "Default schema")]
    bob.sql("CREATE SCHEMA main.fine")  # without a location, CREATE_SCHEMA is enough
    admin.sql("GRANT CREATE MANAGED STORAGE ON METASTORE TO bob")
    assert bob.sql("CREATE SCHEMA main.evil MANAGED LOCATION ?", [str(target)]).message \
        == "Created schema main.evil."
    assert (target / MARKER).is_file()
    assert admin.sql("SELECT storage_root FROM system.information_schema.schemata "
                     "WHERE schema_name = 'evil'").scalar() == str(target)


def _locations(env) -> list[tuple[str, str]]:
    """(MANAGED LOCATION, what the refusal says) pairs that must all be refused."""
    path, tmp, secret = env["path"], env["tmp"], env["secret"]
    (tmp / "full").mkdir(exist_ok=True)
    (tmp / "full" / "notes.txt").write_text("mine")
    other = tmp / "other-registry"
    other.mkdir(exist_ok=True)
    (other / MARKER).write_text('{"metastore_id": "another"}')
    link = tmp / "shortcut"
    if not link.exists():
        link.symlink_to(f"{path}.models")
    env["admin"].sql("CREATE CATALOG IF NOT EXISTS taken MANAGED LOCATION ?", [str(tmp / "taken")])
    return [
        (f"//{str(path).lstrip('/')}.models", "default storage root"),
        (f"/proc/self/root{path}.models", "default storage root"),
        (f"{path}.models/models", "default storage root"),
        (str(secret / "inner"), "default storage root"),
        (f"{tmp}/x/../{path.name}.models", "default storage root"),
        (str(link), "default storage root"),
        (str(tmp), "default storage root"),  # it holds the default root
        ("/", "shared with everything"), ("/tmp", "shared with everything"),
        ("/etc", "system folder"), ("/etc/ucsql", "system folder"), ("/usr/lib/x", "system folder"),
        ("/proc/self/root/etc", "system folder"), ("/dev/shm/x", "system folder"),
        (str(tmp / "full"), "not empty"), (str(other), "another"),
        (str(other / "inside"), "inside"), (str(tmp / "taken"), "MANAGED LOCATION of catalog taken"),
        (str(tmp / "taken" / "sub"), "MANAGED LOCATION of catalog taken"),
        ("relative/path", "not an absolute path"), ("/" + "x" * 5000, "bytes"),
    ]


def test_a_managed_location_must_be_a_folder_of_its_own(env):
    admin = env["admin"]
    for n, (location, why) in enumerate(_locations(env)):
        before = files_under(env["tmp"])
        for statement in (f"CREATE CATALOG c{n} MANAGED LOCATION ?",
                          f"CREATE SCHEMA main.s{n} MANAGED LOCATION ?"):
            with pytest.raises(InvalidArgument) as e:
                admin.sql(statement, [location])
            assert why in str(e.value), (location, str(e.value))
            assert "MANAGED LOCATION" in str(e.value)
            assert last_audit(admin)[2] == "FAILED"
        assert files_under(env["tmp"]) == before, location
    assert [r[0] for r in admin.sql("SHOW CATALOGS").fetchall()] == ["main", "secret", "taken"]


def test_gc_cannot_be_turned_on_foreign_files(env):
    """The attack itself: a location over the registry's files, then gc, deletes nothing."""
    admin = env["admin"]
    victim = env["tmp"] / "somebody-elses"
    write_model_dir(victim / "models" / "1" / ("ab" * 16))
    with pytest.raises(InvalidArgument):
        admin.sql("CREATE CATALOG evil MANAGED LOCATION ?", [str(victim)])
    admin.collect_garbage(dry_run=False)
    assert (victim / "models" / "1" / ("ab" * 16) / "MLmodel").exists()
    assert (env["secret"] / "MLmodel").exists()


def test_a_refused_or_failed_create_leaves_no_folder(env):
    admin = env["admin"]
    target = env["tmp"] / "new-files"
    admin.sql("CREATE CATALOG dup")
    with pytest.raises(ucsql.errors.AlreadyExists):
        admin.sql("CREATE CATALOG dup MANAGED LOCATION ?", [str(target)])
    assert not target.exists()
    admin.sql("CREATE CATALOG good MANAGED LOCATION ?", [str(target)])
    admin.sql("DROP CATALOG good")
    # The folder stays (it may hold files of versions being deleted), marked and empty: it may
    # be used again by a new catalog.
    admin.sql("CREATE CATALOG again MANAGED LOCATION ?", [str(target)])


# -- 4. no links, devices or pipes in a model folder ------------------------------------------------

def _poison(folder: Path, kind: str, host: Path) -> str:
    if kind == "file link":
        (folder / "leak.txt").symlink_to(host)
        return "leak.txt is a symbolic link"
    if kind == "dev zero":
        (folder / "weights.bin").symlink_to("/dev/zero")
        return "weights.bin is a symbolic link"
    if kind == "folder link":
        (folder / "sub" / "etc").symlink_to("/etc")
        return "sub/etc is a symbolic link"
    if kind == "dangling link":
        (folder / "gone").symlink_to(folder / "nowhere")
        return "gone is a symbolic link"
    if kind == "fifo":
        os.mkfifo(folder / "pipe")
        return "pipe is a FIFO"
    if kind == "mlmodel link":
        real = folder / "MLmodel.real"
        (folder / "MLmodel").rename(real)
        (folder / "MLmodel").symlink_to(real)
        return "symbolic link"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["file link", "dev zero", "folder link", "dangling link", "fifo",
                                  "mlmodel link"])
def test_links_and_special_files_are_refused(env, kind):
    admin = env["admin"]
    host = env["tmp"] / "host-secret.txt"
    host.write_text("root:x:0:0")
    folder = write_model_dir(env["tmp"] / f"model-{kind.replace(' ', '-')}")
    expected = _poison(folder, kind, host)
    admin.sql("CREATE MODEL IF NOT EXISTS main.default.m")
    before = files_under(Path(f"{env['path']}.models"))
    with pytest.raises(InvalidArgument) as e:
        admin.sql("ALTER MODEL main.default.m ADD VERSION FROM ?", [str(folder)])
    assert expected in str(e.value)
    assert "Nothing was registered" in str(e.value) or kind == "mlmodel link"
    assert last_audit(admin)[2] == "FAILED"
    assert versions(admin) == [("secret.s.m", 1)]
    after = files_under(Path(f"{env['path']}.models"))
    assert {p for p in after - before if not p.startswith(".staging")} == set()
    assert not any(".staging/" in p for p in after)


def test_a_link_to_a_model_folder_itself_is_followed_and_hard_links_are_copied(env):
    admin = env["admin"]
    real = write_model_dir(env["tmp"] / "real-model")
    os.link(real / "model.bin", real / "model-copy.bin")
    link = env["tmp"] / "latest"
    link.symlink_to(real)
    admin.sql("CREATE MODEL main.default.ok; GRANT EXECUTE ON MODEL main.default.ok TO admin")
    admin.sql("ALTER MODEL main.default.ok ADD VERSION FROM ?", [str(link)])
    folder = Path(admin.sql("GET MODEL VERSION main.default.ok VERSION 1").table
                  .column("storage_location")[0].as_py())
    assert (folder / "model-copy.bin").read_text() == "weights"
    assert not any(p.is_symlink() for p in folder.rglob("*"))
    assert os.stat(folder / "model.bin").st_ino != os.stat(real / "model.bin").st_ino


# -- properties over paths -------------------------------------------------------------------------

_PARTS = st.sampled_from(["..", ".", "", "models", "m.duckdb.models", ".staging", "x", "proc",
                          "self", "root", "etc", "link", "1"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_PARTS, min_size=0, max_size=7),
       st.sampled_from(["tmp", "//tmp", "/proc/self/root", "tmp/link"]))
@example(parts=["..", "..", "models"], start="tmp/link")  # leads out of the test's folder
@example(parts=["..", "x"], start="tmp/link")  # beside the registry's storage: a new folder
def test_no_spelling_of_a_location_overlaps_the_registrys_storage(env, parts, start):
    """Whatever a location's spelling, one that is accepted is a new folder of the metastore's
    own, outside every other storage root; one that is refused changes nothing on disk."""
    admin, tmp = env["admin"], env["tmp"]
    link = tmp / "link"
    if not link.is_symlink():
        link.symlink_to(f"{env['path']}.models")
    # (The system folders and the root have their own test above: this one stays in tmp.)
    # Seven folders down, so that even seven '..' stay inside the test's folder.
    shutil.rmtree(tmp / "w", ignore_errors=True)
    deep = tmp.joinpath(*["w"] * 7)
    base = {"tmp": str(deep), "//tmp": "/" + str(deep), "/proc/self/root": f"/proc/self/root{deep}",
            "tmp/link": str(link)}[start]
    location = base + "/" + "/".join(parts)
    # '..' after the link climbs from the registry's storage, which is not seven folders down:
    # spellings that lead outside the test's folder are another test's (system folders, root).
    assume(tmp.resolve() in Path(os.path.realpath(location)).parents)
    before = files_under(tmp)
    try:
        admin.sql("CREATE CATALOG IF NOT EXISTS probe MANAGED LOCATION ?", [location])
    except InvalidArgument:
        assert files_under(tmp) == before
        return
    top = set(os.listdir(tmp))
    try:
        chosen = Path(admin.sql("SELECT storage_root FROM system.information_schema.catalogs "
                                "WHERE catalog_name = 'probe'").scalar())
        default = Path(f"{env['path']}.models").resolve()
        assert chosen == chosen.resolve()
        assert default not in chosen.parents and chosen not in default.parents and chosen != default
        assert tmp.resolve() in chosen.parents  # nothing was accepted outside the test's folder
        assert (chosen / MARKER).is_file()
        assert all(p.name == MARKER or (p.is_dir() and not any(p.rglob("*")))
                   for p in chosen.iterdir())
    finally:
        admin.sql("DROP CATALOG probe")
        for name in set(os.listdir(tmp)) - top:
            if (tmp / name).is_dir() and not (tmp / name).is_symlink():
                shutil.rmtree(tmp / name)
        if chosen.exists():
            shutil.rmtree(chosen)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["file", "dir", "link-file", "link-dir", "link-out", "fifo",
                                 "hardlink"]), min_size=0, max_size=6))
def test_only_regular_files_ever_reach_managed_storage(env, kinds):
    """Whatever a model folder holds, a registration either copies only regular files and
    folders, every one recorded in the manifest, or registers nothing."""
    admin, tmp = env["admin"], env["tmp"]
    folder = tmp / "gen"
    shutil.rmtree(folder, ignore_errors=True)
    write_model_dir(folder)
    for i, kind in enumerate(kinds):
        entry = folder / f"e{i}"
        if kind == "file":
            entry.write_bytes(os.urandom(64))
        elif kind == "dir":
            write_model_dir(entry)
        elif kind == "link-file":
            entry.symlink_to(folder / "model.bin")
        elif kind == "link-dir":
            entry.symlink_to(folder / "sub")
        elif kind == "link-out":
            entry.symlink_to(env["secret"] / "model.bin")
        elif kind == "fifo":
            os.mkfifo(entry)
        else:
            os.link(folder / "model.bin", entry)
    admin.sql("CREATE MODEL IF NOT EXISTS main.default.gen; "
              "GRANT EXECUTE ON MODEL main.default.gen TO admin")
    count = len(versions(admin))
    refused = any(k.startswith("link") or k == "fifo" for k in kinds)
    try:
        admin.sql("ALTER MODEL main.default.gen ADD VERSION FROM ?", [str(folder)])
    except InvalidArgument:
        assert refused and len(versions(admin)) == count
        return
    assert not refused
    stored = Path(admin.sql("SELECT storage_location FROM system.information_schema."
                            "model_versions WHERE model_name = 'gen' ORDER BY version DESC "
                            "LIMIT 1").scalar())
    for p in stored.rglob("*"):
        mode = os.lstat(p).st_mode
        assert stat.S_ISREG(mode) or stat.S_ISDIR(mode), p
    assert admin.check().table.num_rows == 0
