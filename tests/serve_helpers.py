"""A real ``ucsql serve`` in its own process on 127.0.0.1, for the server tests: the metastore is
made beforehand with users bob and carol and a token for each of alice, bob and carol."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import requests

import ucsql


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``ucsql serve`` in its own process, and the tokens made for it beforehand."""

    def __init__(self, folder):
        self.folder = folder
        self.path = str(folder / "team.duckdb")
        with ucsql.connect(self.path, principal="alice") as cat:
            cat.sql("CREATE USER bob; CREATE USER carol; "
                    "GRANT USE CATALOG ON CATALOG main TO bob; "
                    "GRANT USE SCHEMA, EXECUTE ON SCHEMA main.default TO bob")
            self.tokens = {who: cat.sql(f"CREATE TOKEN FOR {who}").details["token"]
                           for who in ("alice", "bob", "carol")}
            dropped = cat.sql("CREATE TOKEN FOR bob").details["token"]
            cat.sql("DROP TOKEN ?", [dropped.split("_")[1]])
            self.dropped = dropped
        self.start()

    def start(self) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        # The server's output goes to a file, not a pipe: a pipe nobody reads while the tests
        # run fills up, and a server writing to it would then block mid-request.
        self.log = Path(self.folder, f"serve-{time.monotonic_ns()}.log")
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ucsql", "serve", self.path,
                 "--port", self.url.rsplit(":", 1)[1], *getattr(self, "extra", [])],
                stdout=out, stderr=subprocess.STDOUT, cwd=self.folder)
        deadline = time.monotonic() + 300
        while not self.output().endswith("\n"):  # the first line says it listens
            assert self.process.poll() is None and time.monotonic() < deadline, self.output()
            time.sleep(0.05)
        self.banner = self.output().splitlines()[0]
        assert self.banner.startswith("Serving "), self.output()

    def output(self) -> str:
        """What the server has written so far."""
        return self.log.read_text(errors="replace")

    def get(self, route: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(self.url + route, headers=headers, timeout=60, **kwargs)

    def client(self, who: str, script: str) -> dict:
        """Run ``script`` as a training job on another machine would: the stock MLflow client,
        two environment variables, and no ucsql to import. It prints one JSON line."""
        env = self.client_env(who)
        prelude = ("import sys, json\n"
                   "sys.modules['ucsql'] = None  # not installed on the client's machine\n")
        done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script)],
                              env=env, capture_output=True, text=True, timeout=300,
                              cwd=os.path.dirname(self.path))
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def client_env(self, who: str) -> dict[str, str]:
        """The environment of a job on another machine: the server's URL and ``who``'s token,
        and no MLflow or ucsql setting of the test process (tests may leave some behind)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "UCSQL_"))}
        # MLflow's telemetry (on by default) has a race that fails a client's call now and
        # then (KeyError '_MLFLOW_TELEMETRY_SESSION_ID'); and there is no network to send it to.
        env.update(MLFLOW_TRACKING_URI=self.url, MLFLOW_TRACKING_TOKEN=self.tokens[who],
                   PYTHONWARNINGS="ignore", MLFLOW_DISABLE_TELEMETRY="true")
        return env

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=60)
        return self.output()
