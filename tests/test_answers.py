"""How statements answer: every change with a sentence (its numbers kept in ``details`` for
programs), in Python and on the command line."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa

from tests.conftest import write_model_dir
from ucsql import connect

REPO = Path(__file__).resolve().parent.parent

CHANGES = """
CREATE CATALOG prod COMMENT 'production';
CREATE SCHEMA prod.ml_team;
CREATE MODEL prod.ml_team.iris;
ALTER MODEL prod.ml_team.iris ADD VERSION FROM ?;
ALTER MODEL prod.ml_team.iris ADD VERSION FROM MODEL prod.ml_team.iris VERSION 1;
ALTER MODEL prod.ml_team.iris SET ALIAS Champion TO VERSION 2;
ALTER MODEL prod.ml_team.iris DROP ALIAS Champion;
SET TAG ON MODEL prod.ml_team.iris task = 'classification';
UNSET TAG ON MODEL prod.ml_team.iris task;
ALTER SCHEMA prod.ml_team SET TAGS ('team' = 'ml');
ALTER SCHEMA prod.ml_team UNSET TAGS ('team');
ALTER MODEL prod.ml_team.iris VERSION 1 SET TAGS ('validation' = 'approved');
ALTER MODEL prod.ml_team.iris VERSION 1 UNSET TAGS ('validation');
COMMENT ON CATALOG prod IS 'models in production';
COMMENT ON MODEL prod.ml_team.iris VERSION 2 IS 'the copy';
CREATE GROUP `ml-team`;
CREATE USER bob;
ALTER GROUP `ml-team` ADD USER bob;
GRANT USE CATALOG ON CATALOG prod TO `ml-team`;
REVOKE USE CATALOG ON CATALOG prod FROM `ml-team`;
ALTER MODEL prod.ml_team.iris OWNER TO `ml-team`;
ALTER MODEL prod.ml_team.iris RENAME TO iris_v2;
ALTER MODEL prod.ml_team.iris_v2 DROP VERSION 1;
DROP MODEL prod.ml_team.iris_v2;
DROP SCHEMA prod.ml_team;
DROP CATALOG prod;
ALTER GROUP `ml-team` DROP USER bob;
DROP GROUP `ml-team`;
DROP USER bob
"""


def test_every_change_answers_with_a_sentence_and_no_table(tmp_path):
    source = write_model_dir(tmp_path / "model_dir")
    with connect(tmp_path / "m.duckdb", principal="alice") as cat:
        answers = list(cat.run(CHANGES, [str(source)]))
    assert len(answers) == CHANGES.count(";") + 1
    for answer in answers:
        assert answer.columns == [] and answer.fetchall() == []
        assert answer.message and answer.message.endswith(".") and "\n" not in answer.message
    assert answers[3].message == "Created version 1 of model prod.ml_team.iris."
    assert answers[4].message == "Created version 2 of model prod.ml_team.iris."


def test_a_new_version_number_is_in_details(tmp_path):
    source = write_model_dir(tmp_path / "model_dir")
    with connect(tmp_path / "m.duckdb", principal="alice") as cat:
        cat.sql("CREATE MODEL iris")
        first = cat.sql("ALTER MODEL iris ADD VERSION FROM ?", [str(source)])
        second = cat.sql("ALTER MODEL iris ADD VERSION FROM ? COMMENT 'again'", [str(source)])
        assert (first.details["version"], second.details["version"]) == (1, 2)
        assert second.details["full_name"] == "main.default.iris"
        assert second.details["comment"] == "again"
        imported = cat.import_versions("iris", pa.table({"source": ["a", "b"]}),
                                       files_from=("iris", 1))
        assert imported.message == "Imported 2 versions (3-4) of model main.default.iris."
        assert (imported.details["first_version"], imported.details["last_version"]) == (3, 4)
        assert imported.columns == []


def test_the_command_line_prints_the_sentence(tmp_path):
    source = write_model_dir(tmp_path / "model_dir")
    connect(tmp_path / "m.duckdb", principal="alice").close()
    env = {k: v for k, v in os.environ.items() if k != "UCSQL_PRINCIPAL"}
    env.update(PYTHONPATH=str(REPO), UCSQL_PRINCIPAL="alice")
    script = f"CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM '{source}'"

    def run(*flags):
        return subprocess.run([sys.executable, "-m", "ucsql", "m.duckdb", "-c", script, *flags],
                              env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, check=False)

    table = run()
    assert (table.returncode, table.stderr) == (0, "")
    assert table.stdout == ("Created model main.default.iris.\n"
                            "Created version 1 of model main.default.iris.\n")
    script = f"ALTER MODEL iris ADD VERSION FROM '{source}'"
    csv = run("-F", "csv")  # messages go to stderr: stdout stays data
    assert (csv.returncode, csv.stdout) == (0, "")
    assert csv.stderr == "Created version 2 of model main.default.iris.\n"


# -- times ----------------------------------------------------------------------------------------

def fields(text: str) -> dict[tuple[int, str], str]:
    """(record, field) -> value of an expanded (-x) printout; DESCRIBE's (info_name, info_value)
    records folded into one field each."""
    out, record, pending = {}, 0, None
    for line in text.splitlines():
        if line.startswith("-[ RECORD"):
            record += 1
            continue
        name, sep, value = line.partition(" | ")
        if not sep:
            continue
        name = name.strip()
        if name == "info_name":
            pending = value
        elif name == "info_value" and pending:
            out[(1, pending)], pending = value, None  # DESCRIBE: one record of fields
        else:
            out[(record, name)] = value
    return out


def test_times_print_the_same_in_show_describe_get_and_the_views(tmp_path):
    source = write_model_dir(tmp_path / "model_dir")
    with connect(tmp_path / "m.duckdb", principal="alice") as cat:
        cat.sql("CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM ?", [str(source)])
    env = {k: v for k, v in os.environ.items() if k != "UCSQL_PRINCIPAL"}
    env.update(PYTHONPATH=str(REPO), UCSQL_PRINCIPAL="alice", TZ="America/New_York")
    script = ("SHOW VERSIONS IN MODEL iris; DESCRIBE MODEL iris VERSION 1; "
              "GET MODEL VERSION iris VERSION 1; SELECT created_at FROM "
              "system.information_schema.model_versions; DESCRIBE MODEL iris; GET MODEL iris; "
              "SHOW MODELS")
    done = subprocess.run([sys.executable, "-m", "ucsql", "m.duckdb", "-x", "-c", script],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    printed = [fields(part) for part in re.split(r"\(\d+ rows?\)\n", done.stdout)[:-1]]
    version_times = {p[(1, "created_at")] for p in printed[:4]}
    model_times = {printed[4][(1, "updated_at")], printed[5][(1, "updated_at")],
                   printed[6][(1, "updated_at")]}
    assert len(version_times) == 1 and len(model_times) == 1, (version_times, model_times)
    assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC", version_times.pop())


def test_describe_prints_the_instant_get_returns(tmp_path):
    source = write_model_dir(tmp_path / "model_dir")
    with connect(tmp_path / "m.duckdb", principal="alice") as cat:
        cat.sql("CREATE MODEL iris; ALTER MODEL iris ADD VERSION FROM ?", [str(source)])
        described = dict(cat.sql("DESCRIBE MODEL iris VERSION 1").fetchall())
        got = cat.sql("GET MODEL VERSION iris VERSION 1")
    instant = got.arrow().to_pylist()[0]["created_at"].astimezone(datetime.timezone.utc)
    assert instant.microsecond  # (a fraction to drop: printed to the second, not rounded)
    assert described["created_at"] == instant.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"| {described['created_at']} |" in str(got)  # how a result prints it
