"""The sandbox's worker process: runs one user query at a time on rows it is given.

Started by :mod:`ucsql.sandbox` as a script (``python -P .../sandbox_worker.py``), so it imports
nothing of ucsql and holds nothing but what a request brings: the privilege-filtered rows of the
system views the query reads, as Arrow. It never sees the metastore file. Requests run on an
in-memory DuckDB with external access disabled, under an address-space limit
(``RLIMIT_AS``) and DuckDB's ``memory_limit``; the parent kills the process when the time is
up, and this process kills itself a little later should the parent be gone.

Frames on stdin/stdout: an 8-byte big-endian length, then the payload. A request is a pickle
written by the parent (trusted: it started us); an answer is a JSON header, then for an
answer with rows an Arrow IPC stream. Nothing the query computes is ever unpickled.
Requests share a DuckDB connection (see ``_Session``) but nothing else.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import sys
import threading

_LENGTH = struct.Struct(">Q")


def _read_exactly(stream, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _read_frame(stream) -> bytes | None:
    head = _read_exactly(stream, _LENGTH.size)
    if head is None:
        return None
    return _read_exactly(stream, _LENGTH.unpack(head)[0])


def _write_frame(stream, payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)


def _address_space() -> int:
    """This process's virtual size now (Linux); 0 where /proc does not say."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_memory(memory: int) -> None:
    """Let the process grow by at most ``memory`` bytes from here (what the query may take)."""
    try:
        import resource
    except ImportError:  # not Unix: DuckDB's memory_limit is all there is
        return
    now = _address_space()
    if now:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = now + memory
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _connect(duckdb, memory: int):
    con = duckdb.connect(":memory:", config={
        "enable_external_access": False, "autoinstall_known_extensions": False,
        "autoload_known_extensions": False, "memory_limit": f"{max(memory // 2**20, 16)}MB",
        "threads": 1,
    })
    con.execute("SET lock_configuration = true")  # no query can undo the settings
    return con


class _Session:
    """One DuckDB connection, reused while the memory limit stays the same (connecting costs
    more than a small query). A request leaves nothing behind: the guard lets through only
    queries, which create nothing, and its tables are unregistered when it ends."""

    def __init__(self, duckdb, pa):
        self.duckdb, self.pa = duckdb, pa
        self.con, self.memory = None, None

    def run(self, request: dict) -> tuple[dict, bytes | None]:
        duckdb, pa = self.duckdb, self.pa
        memory = request["memory"]
        if self.con is None or self.memory != memory:
            self.close()
            self.con, self.memory = _connect(duckdb, memory), memory
        con = self.con
        try:
            for name, data in request["tables"].items():
                con.register(name, pa.ipc.open_stream(data).read_all())
            _limit_memory(memory)
            table = con.sql(request["sql"], params=request["params"]).to_arrow_table()
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            return {"ok": True}, sink.getvalue().to_pybytes()
        except (duckdb.OutOfMemoryException, MemoryError) as e:
            self.close()  # start the next request from a clean connection
            return {"ok": False, "kind": "memory", "message": str(e).split("\n")[0]}, None
        except duckdb.Error as e:
            return {"ok": False, "kind": "query", "message": str(e).split("\n")[0]}, None
        finally:
            if self.con is not None:
                for name in request["tables"]:
                    self.con.unregister(name)

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


def main() -> None:
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the answer pipe
    import duckdb
    import pyarrow as pa

    session = _Session(duckdb, pa)
    _write_frame(answers, json.dumps({"ready": True}).encode())
    answers.flush()
    while True:
        frame = _read_frame(sys.stdin.buffer)
        if frame is None:  # the parent closed the pipe (or is gone)
            return
        request = pickle.loads(frame)
        # Should the parent be gone when the time is up, nobody would kill us: do it ourselves.
        backstop = threading.Timer(request["timeout"] + 5, os._exit, (70,))
        backstop.daemon = True
        backstop.start()
        try:
            header, rows = session.run(request)
        finally:
            backstop.cancel()
        try:
            _write_frame(answers, json.dumps(header).encode())
            if rows is not None:
                _write_frame(answers, rows)
            answers.flush()
        except BrokenPipeError:
            return


if __name__ == "__main__":
    main()
