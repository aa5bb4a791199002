"""Benchmark `explorer` (issue 15): how long each explorer page takes at 10k models.

    python benchmarks/explorer.py [--models 10000] [--repeat 20]

The metastore is the governance setting of benchmarks/governance.py (10k groups, 8 levels of
nesting, 100k grants, 10k models; built once and cached), served by `ucsql serve`. Each page is
fetched over HTTP with a signed-in cookie, as the admin (who sees everything) and as the nested
user (whose every page is filtered by the policy): the first fetch (nothing cached yet) and the
median and p95 of the next ones. The target is under 200 ms per page.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

import ucsql  # noqa: E402
from benchmarks import governance  # noqa: E402
from benchmarks.seed import ADMIN  # noqa: E402
from benchmarks.timing import table  # noqa: E402

TARGET_MS = 200


def _pages(model: str) -> list[tuple[str, str]]:
    catalog, schema, _ = model.split(".")
    return [
        ("catalogs", "/explorer/"),
        ("search by name", "/explorer/?q=m00"),
        ("schemas of a catalog", f"/explorer/catalogs/{catalog}"),
        ("models of a schema", f"/explorer/catalogs/{catalog}/{schema}"),
        ("a model", f"/explorer/models/{model}"),
        ("a version", f"/explorer/models/{model}/versions/1"),
        ("permissions on a model", f"/explorer/permissions/model/{model}"),
        ("permissions on a schema", f"/explorer/permissions/schema/{catalog}.{schema}"),
        ("SQL page with a query", "/explorer/sql?q=SELECT+owner,+count(*)+FROM+"
                                  "system.information_schema.registered_models+GROUP+BY+1"),
        ("charts", "/explorer/charts"),
    ]


def _serve(path: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(path.with_suffix(".log"), "w")
    process = subprocess.Popen([sys.executable, "-m", "ucsql", "serve", str(path), "--port",
                                str(port)], stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while "Serving" not in path.with_suffix(".log").read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(path.with_suffix(".log").read_text()[-2000:])
        time.sleep(0.2)
    return process, url


def _session(url: str, token: str) -> requests.Session:
    s = requests.Session()
    answer = s.post(f"{url}/explorer/login", data={"token": token}, allow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    return s


def _time(session: requests.Session, url: str, repeat: int) -> tuple[float, float, float, int]:
    samples = []
    status = 0
    for _ in range(repeat + 1):
        started = time.perf_counter()
        answer = session.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        status = answer.status_code
    first, rest = samples[0], sorted(samples[1:])
    return first, statistics.median(rest), rest[int(0.95 * (len(rest) - 1))], status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--grants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ucsql-explorer-") as tmp:
        path, info = governance.cached_build(Path(tmp), args.groups, args.grants, args.models)
        with ucsql.connect(path, principal=ADMIN) as cat:
            tokens = {who: cat.sql(f"CREATE TOKEN FOR {ucsql.dialect.quote_name(who)}")
                      .details["token"] for who in (ADMIN, governance.USER)}
            model = cat.sql("SELECT full_name FROM system.information_schema.model_versions "
                            "WHERE version = 1 ORDER BY full_name LIMIT 1").scalar()
        process, url = _serve(path)
        try:
            rows = []
            for who, token in tokens.items():
                session = _session(url, token)
                for name, page in _pages(model):
                    first, median, p95, status = _time(session, url + page, args.repeat)
                    rows.append([who, name, status, f"{first:.0f}", f"{median:.0f}",
                                 f"{p95:.0f}", "yes" if median < TARGET_MS else "NO"])
        finally:
            process.terminate()
            process.wait(timeout=60)
    print(table(f"Explorer pages at {args.models:,} models ({args.groups:,} groups, "
                f"{args.grants:,} grants), ms",
                ["principal", "page", "status", "first", "median", "p95",
                 f"median < {TARGET_MS}"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
