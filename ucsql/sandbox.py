"""Where a user query that could run away runs: a worker process that can be killed.

DuckDB checks for an interrupt only between chunks of rows, and its ``memory_limit`` covers
only what its buffer manager allocates. A single call such as ``lpad('', 2e9, 'x')`` or
``damerau_levenshtein`` over long strings, or planning a huge expression, runs on past any
interrupt and takes memory no setting bounds, and the process doing it holds the metastore
file. So a query the SELECT guard cannot show to be bounded (``GuardedSelect.bounded``) runs in
a worker (:mod:`ucsql.sandbox_worker`) that has only the caller's rows of the views it reads,
an address-space limit, and a deadline past which it is killed: the statement then fails and
the file is released on time, whatever the query does.

Workers are started on first use and reused (starting one costs about what importing DuckDB
does); one that was killed or died is replaced by a new one at the next query.
"""

from __future__ import annotations

import json
import os
import pickle
import selectors
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Cancelled, InvalidArgument, UcsqlError

if TYPE_CHECKING:  # pyarrow is imported when a query first runs here (start-up of the CLI)
    import pyarrow as pa

_LENGTH = struct.Struct(">Q")
_WORKER = Path(__file__).with_name("sandbox_worker.py")
# Run as a script, so nothing of ucsql is imported; -P keeps this package's folder off sys.path.
_COMMAND = [sys.executable, *(["-P"] if sys.version_info >= (3, 11) else []), str(_WORKER)]
_POLL = 0.05  # how often a waiting query looks at its deadline and at Ctrl-C
_KEEP_IDLE = 2  # workers kept for the next queries; more run at once only while needed


class _Stopped(Exception):
    """The worker was killed (deadline, cancel) or died; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            _COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, close_fds=True)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout, selectors.EVENT_READ)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        self._selector.close()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()

    def send(self, payload: bytes) -> None:
        try:
            self.process.stdin.write(_LENGTH.pack(len(payload)) + payload)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Stopped("died") from None

    def receive(self, deadline: float, cancelled: Callable[[], bool]) -> bytes:
        length = _LENGTH.unpack(self._read(_LENGTH.size, deadline, cancelled))[0]
        return self._read(length, deadline, cancelled)

    def _read(self, size: int, deadline: float, cancelled: Callable[[], bool]) -> bytes:
        data = bytearray()
        fd = self.process.stdout.fileno()
        while len(data) < size:
            if cancelled():
                raise _Stopped("cancelled")
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Stopped("timeout")
            if not self._selector.select(min(left, _POLL)):
                continue
            chunk = os.read(fd, min(size - len(data), 1 << 20))
            if not chunk:
                raise _Stopped("died")
            data += chunk
        return bytes(data)


class Sandbox:
    """Runs guarded queries in worker processes. Thread-safe; one query per worker at a time."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def run(self, sql: str, params: Any, tables: Mapping[str, pa.Table], *, timeout: float,
            memory: int, cancelled: Callable[[], bool]) -> pa.Table:
        """The answer of ``sql`` over ``tables`` (registered under their names), or a ucsql
        error: ``InvalidArgument`` past ``timeout`` seconds, ``memory`` bytes or for a query
        DuckDB refuses, ``Cancelled`` once ``cancelled()`` says so."""
        import pyarrow as pa
        deadline = time.monotonic() + timeout
        try:
            request = pickle.dumps({"sql": sql, "params": params, "memory": memory,
                                    "timeout": timeout,
                                    "tables": {name: _ipc(table) for name, table in tables.items()}})
        except (pickle.PicklingError, TypeError, AttributeError) as e:
            raise InvalidArgument(f"A parameter value cannot be used in a query: {e}. Pass "
                                  "strings, numbers, booleans, dates, lists or dicts.") from None
        worker, reused = self._take(deadline, cancelled, timeout, memory)
        while True:
            try:
                worker.send(request)
                header = json.loads(worker.receive(deadline, cancelled))
                rows = worker.receive(deadline, cancelled) if header["ok"] else None
                break
            except _Stopped as stopped:
                worker.kill()
                if stopped.reason == "died" and reused:
                    # An idle worker that died since its last query (killed by hand, the OOM
                    # killer) before it could read this one: a new worker runs it.
                    worker, reused = self._take(deadline, cancelled, timeout, memory, fresh=True)
                    continue
                raise _stopped_error(stopped.reason, timeout, memory) from None
            except BaseException:
                worker.kill()
                raise
        self._give_back(worker)
        if not header["ok"]:
            if header["kind"] == "memory":
                raise memory_error(memory)
            raise InvalidArgument(f"The query failed: {header['message']}")
        return pa.ipc.open_stream(rows).read_all()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()

    def _take(self, deadline: float, cancelled: Callable[[], bool], timeout: float,
              memory: int, fresh: bool = False) -> tuple[_Worker, bool]:
        """A worker, and whether it ran queries before (an idle one) or is new."""
        with self._lock:
            while self._idle and not fresh:
                worker = self._idle.pop()
                if worker.alive():
                    return worker, True
                worker.kill()
        worker = _Worker()
        try:
            json.loads(worker.receive(deadline, cancelled))  # {"ready": true}: DuckDB imported
        except _Stopped as stopped:
            code = worker.process.poll()
            worker.kill()
            if stopped.reason == "died":
                raise UcsqlError(f"ucsql could not start its query worker ({' '.join(_COMMAND)} "
                                 f"exited with code {code}). Check that duckdb and pyarrow "
                                 "import in this Python.") from None
            raise _stopped_error(stopped.reason, timeout, memory) from None
        return worker, False

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < _KEEP_IDLE:
                self._idle.append(worker)
                return
        worker.kill()


def _ipc(table: pa.Table) -> bytes:
    import pyarrow as pa
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _stopped_error(reason: str, timeout: float, memory: int) -> UcsqlError:
    if reason == "cancelled":
        return Cancelled("Cancelled; nothing of the statement was applied.")
    if reason == "timeout":
        return timeout_error(timeout)
    return memory_error(memory)  # a worker dies of an allocation it could not make


def timeout_error(timeout: float) -> InvalidArgument:
    return InvalidArgument(
        f"The query ran for more than {timeout:g} s and was stopped. Narrow it (a WHERE, a "
        "LIMIT, a recursion that ends), or allow more time with UCSQL_QUERY_TIMEOUT=<seconds>.")


def memory_error(memory: int) -> InvalidArgument:
    return InvalidArgument(
        f"The query needed more than {format_bytes(memory)} of memory and was stopped. Narrow "
        "it (shorter strings, fewer rows), or allow more with UCSQL_QUERY_MEMORY=<size>, "
        "e.g. 4GB.")


def format_bytes(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"
