"""How statements answer: every change with a sentence (its numbers kept in ``details`` for
programs), in Python and on the command line."""

from __future__ import annotations

import os
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
