"""The wheel ships the sql/ files and works on its own, outside the source tree."""

from __future__ import annotations

import site
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_runs_a_statement(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(ROOT)], check=True)
    [wheel] = dist.glob("ucsql-*.whl")
    # A fresh virtualenv that borrows the dependencies (duckdb, sqlglot ...) already installed
    # here through a .pth file, but gets ucsql only from the wheel (its own site-packages
    # comes first on sys.path, and the borrowed folders' .pth files, such as an editable
    # install of ucsql, are not processed).
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    own_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              capture_output=True, text=True, check=True).stdout.strip()
    Path(own_site, "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    script = (
        "import ucsql, ucsql.queries as q; "
        "print(q.sql_dir()); "
        "c = ucsql.connect(principal='w'); "
        "print(c.sql('SHOW CATALOGS').fetchall())")
    out = subprocess.run([str(python), "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out[0].startswith(str(env_dir)) and out[0].endswith("ucsql/sql")
    assert out[1] == "[('main', 'w', 'Default catalog')]"
