"""Who may have the metastore file open: one process at a time, enforced by ucsql itself.

DuckDB locks a database file while a process has it open, but with several processes taking the
file in turn (as ucsql's leases make them do) DuckDB 2.0 lets the next process in before the
previous one has finished closing: measured here with plain DuckDB (four processes each opening,
committing one row and closing, 200 times), commits were lost and blocks read past the end of the
file ("Could not read enough bytes ..."), and a ucsql metastore came back corrupt ("computed
checksum ... does not match"). So every ucsql process takes an exclusive ``flock`` on a lock file
beside the metastore (``<file>.lock``) *before* DuckDB opens the file, and lets go only *after*
DuckDB has closed it. With it, the same workload lost nothing.

``flock`` (not ``fcntl``/``lockf``) because POSIX record locks are dropped when a process closes
*any* descriptor of the file, and because a flock belongs to one open file description, so
within a process one lock is shared by every handle on the file (as DuckDB shares its database):
``FileLock.for_path`` counts the holders and holds the OS lock while the count is above zero.
The holder writes its process id and program into the lock file, for "held by ..." messages.

(Hand-written rather than the ``filelock`` package: that package truncates the lock file when a
waiter opens it, which would erase the holder's name, and the needs here are a few lines.)
"""

from __future__ import annotations

import errno
import os
import random
import sys
import threading
import time
import weakref

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: DuckDB's own lock is all there is
    fcntl = None

_LOCKS: weakref.WeakValueDictionary[str, FileLock] = weakref.WeakValueDictionary()
_LOCKS_GUARD = threading.Lock()


class Busy(Exception):
    """The file is held by another process; ``holder`` says which, when it said so."""

    def __init__(self, holder: str):
        super().__init__(holder)
        self.holder = holder


class FileLock:
    """The exclusive lock of one metastore file, shared by every handle on it in this process."""

    def __init__(self, path: str, mode: int = 0o600):
        self.path = path
        self.mode = mode
        self._count = 0
        self._fd: int | None = None
        self._guard = threading.Lock()

    @classmethod
    def for_path(cls, database: str) -> FileLock:
        """The lock of the metastore file ``database`` (an absolute path), one per process."""
        with _LOCKS_GUARD:
            lock = _LOCKS.get(database)
            if lock is None:
                try:
                    mode = os.stat(database).st_mode & 0o666
                except OSError:
                    mode = 0o600
                lock = _LOCKS[database] = cls(database + ".lock", mode or 0o600)
            return lock

    def acquire(self, timeout: float, wait: bool = True) -> None:
        """Hold the lock (once more, if this process holds it already). Waits up to ``timeout``
        seconds for another process to let go, polling briefly so a hand-over is quick; raises
        Busy when it does not (at once when ``wait`` is False)."""
        with self._guard:
            if self._count:
                self._count += 1
                return
            if fcntl is None:
                self._count = 1
                return
            try:
                self._take(timeout, wait)
            except OSError as e:
                if e.errno != errno.EBADF:
                    raise
                # Our descriptor was closed behind our back (seen once in CI, cause not found):
                # it held no lock any more, so open the lock file afresh and take it again.
                self._fd = None
                self._take(timeout, wait)
            self._count = 1

    def _take(self, timeout: float, wait: bool) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                               | getattr(os, "O_CLOEXEC", 0), self.mode)
        deadline = time.monotonic() + timeout
        delay = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait or time.monotonic() >= deadline:
                    raise Busy(self.holder()) from None
                time.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 0.004)
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()} {os.path.basename(sys.argv[0] or 'python')}\n"
                  .encode("utf-8", "backslashreplace"), 0)

    def release(self) -> None:
        """Let go once; the OS lock goes with the last holder in this process."""
        with self._guard:
            if not self._count:
                return
            self._count -= 1
            if self._count == 0 and self._fd is not None and fcntl is not None:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                except OSError as e:  # closed behind our back: no lock is held through it
                    if e.errno != errno.EBADF:
                        raise
                    self._fd = None

    def holder(self) -> str:
        """"process PID (program)" of the process that last took the lock, or "" if unknown."""
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                pid, _, program = f.read(200).strip().partition(" ")
        except OSError:
            return ""
        return f"process {pid} ({program})" if pid.isdigit() else ""

    def __del__(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
