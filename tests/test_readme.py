"""The README runs as written: its code blocks, in order, as a new user would run them.

The checkout's files are copied to a temporary folder (as a fresh clone would have them), and
each block runs there as printed: ``sh`` blocks with bash (``-e``: any failing line fails the
block), ``python`` blocks with the virtualenv's python, ``ipython`` blocks as notebook cells in
the virtualenv's IPython. The first block is the README's own install command, so the venv is
new and built from the local checkout by ``pip install`` every run (pip's download cache aside,
which cannot hide a failure of the README). Blocks that are not scripts, or that CI runs
elsewhere, are named in ``not_run`` with the reason; a block of any other kind fails the test.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import ucsql

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
TIMEOUT = 900  # the install block builds a venv and downloads wheels; the others take seconds


def blocks(text: str) -> list[tuple[int, str, str]]:
    """(line, language, code) of every fenced block of ``text``."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2)) for m in BLOCK.finditer(text)]


def not_run(language: str, code: str) -> str | None:
    """Why a block is not run here, or None to run it."""
    if language == "console":
        return "a transcript of the interactive shell, not a script: tests/test_shell.py drives it"
    if language == "sql":
        return "the dialect's grammar ([optional] and {alternative} parts): tests/test_dialect.py"
    if language == "sh" and "pytest" in code:
        return "the test command is what CI runs (.ci/run, checked by tests/test_docs.py)"
    if language == "sh" and "benchmarks/run.py" in code:
        return "benchmarks take minutes: tests/test_benchmarks.py runs --quick"
    return None


def cells(code: str) -> list[str]:
    """Notebook cells of an ``ipython`` block: a ``%%`` cell magic starts a cell that runs to
    the next blank line; the other lines run as cells between them."""
    result, current, in_magic = [], [], False
    for line in code.splitlines():
        if line.startswith("%%") or (in_magic and not line.strip()):
            if current:
                result.append("\n".join(current))
            current, in_magic = ([line], True) if line.startswith("%%") else ([], False)
        else:
            current.append(line)
    if current:
        result.append("\n".join(current))
    return [c for c in result if c.strip()]


IPYTHON_DRIVER = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
for cell in json.load(open(sys.argv[1])):
    if not shell.run_cell(cell).success:
        sys.exit(1)
"""


def copy_checkout(dest: Path) -> None:
    """The files a clone of this checkout has (tracked, and new files not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)


def clean_environment(home: Path) -> dict[str, str]:
    """This environment without the test's own venv, registry settings or principal."""
    ours = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
           and not k.startswith(("UCSQL_", "MLFLOW_", "PYTEST_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != ours)
    env["IPYTHONDIR"] = str(home / ".ipython")
    return env


def test_the_readme_runs_as_written(tmp_path):
    work = tmp_path / "ucsql"
    copy_checkout(work)
    env = clean_environment(tmp_path)
    python = work / ".venv" / "bin" / "python"
    ran = []
    for line, language, code in blocks((ROOT / "README.md").read_text()):
        if not_run(language, code):
            continue
        script = tmp_path / f"block_{line}"
        if language == "sh":
            script.write_text(code)
            command = ["bash", "-e", "-o", "pipefail", str(script)]
        elif language == "python":
            script.write_text(code)
            command = [str(python), str(script)]
        elif language == "ipython":
            import json
            script.write_text(json.dumps(cells(code)))
            command = [str(python), "-c", IPYTHON_DRIVER, str(script)]
        else:
            raise AssertionError(f"README.md:{line}: a ```{language} block: run it here, or "
                                 "say in not_run why not")
        out = subprocess.run(command, cwd=work, env=env, stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=TIMEOUT)
        assert out.returncode == 0, (f"README.md:{line} ({language}) failed:\n{code}\n"
                                     f"--- stdout\n{out.stdout[-3000:]}\n--- stderr\n{out.stderr[-3000:]}")
        ran.append((line, language))

    assert [lang for _, lang in ran].count("python") >= 2 and ("sh" in dict(ran).values())
    # What the snippets did, read back from the file they wrote, as its admin (who ran them).
    admin = ucsql.connect(work / "metastore.duckdb", principal=getpass.getuser())
    try:
        assert admin.sql("SELECT full_name, version, aliases FROM system.information_schema."
                         "model_versions ORDER BY ALL").fetchall() == [
            ("prod.ml_team.iris", 1, ["Champion"]), ("prod.ml_team.iris", 2, []),
            ("staging.ml_team.iris", 1, ["Champion"])]
    finally:
        admin.close()


def test_every_block_is_run_or_says_why_not():
    """The rules above cover the README as it is: each block runs, or is skipped for a reason."""
    found = blocks((ROOT / "README.md").read_text())
    assert found, "no code blocks found in README.md"
    kinds = {language for _, language, code in found if not not_run(language, code)}
    assert kinds <= {"sh", "python", "ipython"}, kinds
    assert {"sh", "python", "ipython"} <= kinds


def test_notebook_cells_split_at_cell_magics():
    code = "%load_ext ucsql\nx = 1\n\n%%ucsql\nSELECT 1\nWHERE 1 = 1\n\ny = 2\n"
    assert cells(code) == ["%load_ext ucsql\nx = 1\n", "%%ucsql\nSELECT 1\nWHERE 1 = 1", "y = 2"]
