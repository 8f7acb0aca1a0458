"""Results kept by the content of their inputs, and the likely next ones computed ahead of time.

A change of policy on the Hedge program page needs no new simulation, but rebuilding the program
for a policy not seen before still costs up to a second (an optimiser, or pricing every layer of a
layered programme). While the user reads the page, the programs of the other policies (and of the
next notch of each hedge-ratio slider) are built on one background thread, so that picking one
reads a finished result.

:class:`Ahead` is a small LRU cache whose keys are the content of the inputs (a SHA-256 of their
text, never an object id), shared by every session of the process. A key asked for while its
background computation runs waits for that computation instead of starting a second one; a key
asked for and never queued is computed at once in the caller's thread. The background thread runs
at a lower scheduling priority (Linux ``nice`` of the thread), so on a busy machine the page a user
is waiting for comes first; queued work that the user has moved away from is dropped.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import threading
from collections import OrderedDict, deque
from concurrent.futures import Future
from typing import Callable, Iterable

#: How much lower the background thread's scheduling priority is than the server's.
BACKGROUND_NICE = 5


def content_key(*parts: object) -> str:
    """A key for a cache of results: the SHA-256 of the text of ``parts`` (their ``repr``), so two
    calls with inputs that read the same share a result whatever objects carry them."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class Ahead:
    """Results by content key, at most ``max_entries`` kept (least recently used go first)."""

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._done: OrderedDict[str, object] = OrderedDict()
        self._running: dict[str, Future] = {}
        self._queue: deque[tuple[str, Callable[[], object]]] = deque()
        self._wake = threading.Condition(self._lock)
        self.worker: threading.Thread | None = None
        self.computed_ahead = 0          # results the background thread finished (for tests and benchmarks)
        atexit.register(self._drain)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._done

    def get(self, key: str, compute: Callable[[], object]):
        """The result for ``key``: kept, being computed ahead (waited for), or computed now."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
            future = self._running.get(key)
            mine = future is None
            if mine:
                future = self._running[key] = Future()
                self._queue = deque(job for job in self._queue if job[0] != key)
        if not mine:
            return future.result()
        return self._compute(key, compute, future)

    def ahead(self, jobs: Iterable[tuple[str, Callable[[], object]]]) -> None:
        """Compute ``jobs`` (key, function) in the background, in order, replacing the jobs queued
        before (the user has moved on from what they were for); keys kept or running are skipped."""
        with self._lock:
            self._queue = deque((k, f) for k, f in jobs if k not in self._done and k not in self._running)
            if self._queue and (self.worker is None or not self.worker.is_alive()):
                self.worker = threading.Thread(target=self._work, name="hedging-ahead", daemon=True)
                self.worker.start()
            self._wake.notify()

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or running in the background (tests, benchmarks)."""
        with self._wake:
            return self._wake.wait_for(lambda: not self._queue and not self._running, timeout)

    def _drain(self, timeout: float = 30.0) -> None:
        """At exit: drop the queue and let a computation under way finish, so that the process never
        ends while the thread is inside a solver's native code (which aborts the process)."""
        with self._wake:
            self._queue.clear()
            self._wake.wait_for(lambda: not self._running, timeout)

    def clear(self) -> None:
        with self._lock:
            self._done.clear()
            self._queue.clear()

    def _compute(self, key: str, compute, future: Future):
        try:
            value = compute()
        except BaseException as err:
            with self._lock:
                self._running.pop(key, None)
                self._wake.notify_all()
            future.set_exception(err)
            raise
        with self._lock:
            self._done[key] = value
            self._done.move_to_end(key)
            while len(self._done) > self.max_entries:
                self._done.popitem(last=False)
            self._running.pop(key, None)
            self._wake.notify_all()
        future.set_result(value)
        return value

    def _work(self) -> None:
        try:   # Linux schedules threads alone: this one yields the CPU to the sessions' scripts
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                           os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICE)
        except (AttributeError, OSError):
            pass
        while True:
            with self._lock:
                while not self._queue:
                    self._wake.wait()
                key, compute = self._queue.popleft()
                if key in self._done or key in self._running:
                    continue
                future = self._running[key] = Future()
            try:
                self._compute(key, compute, future)
                self.computed_ahead += 1
            except Exception:   # noqa: BLE001 - the caller who asks for this key gets the error again
                pass
