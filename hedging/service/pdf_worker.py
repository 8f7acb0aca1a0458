"""Proposal PDFs laid out in worker processes, so the app's own interpreter stays free.

Laying out the board document (:func:`hedging.report.pdf.build_pdf`) is several seconds of pure
Python that holds the interpreter lock. Streamlit serves every browser session as a thread of one
process, so a layout done in that process stalls every other user's page for as long. Here it runs
in separate processes: ``python -m hedging.service.pdf_worker``, started on demand (at most
:data:`WORKERS` at once, one layout each at a time) and kept for the next PDF. They are plain
subprocesses of this module rather than a ``multiprocessing`` pool because a pool started inside a
Streamlit session would run the app's main script again in every worker (Streamlit replaces
``__main__`` while a page runs).

The charts are drawn before, in the server's shared Chromium, which is its own process already;
only the payload and the chart PNGs travel to the worker (length-prefixed pickles over its stdin
and stdout: both ends are this module), and the PDF bytes come back. Errors come back as the same
exceptions the layout raises in-process (the caller turns them into plain messages); a worker that
dies or does not answer in :data:`TIMEOUT_S` is a :class:`~hedging.errors.HedgingError` saying so,
and the next PDF starts a fresh worker.
"""

from __future__ import annotations

import atexit
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from hedging.errors import HedgingError

#: At most this many layouts run at once (each uses one core while it runs); more wait in line.
WORKERS = max(1, min(2, os.cpu_count() or 1))
#: A layout that takes longer than this is abandoned with a message (the usual one takes seconds).
TIMEOUT_S = 300

_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds the hedging package
_IDLE: list[_Worker] = []
_LOCK = threading.Lock()
_SLOTS = threading.BoundedSemaphore(WORKERS)
_HEADER = struct.Struct("!Q")


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream):
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError("the worker closed its output")
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the worker's answer was cut short")
    return pickle.loads(data)


def _layout(payload: dict, images: dict[str, bytes] | None) -> tuple[str, object]:
    """In the worker: ("ok", PDF bytes) or (kind of failure, message)."""
    from hedging.report.pdf import build_pdf

    try:
        return "ok", build_pdf(payload, images=images)
    except HedgingError as err:  # e.g. the fonts are missing: its message is for the user as it is
        return "hedging", str(err)
    except (ValueError, TypeError, KeyError, RuntimeError) as err:
        return type(err).__name__, str(err)


def _layout_memo(memo: dict, payload: dict) -> tuple[str, object]:
    """In the worker: the designation memo's own PDF (:func:`hedging.report.pdf_memo.build_memo_pdf`)."""
    from hedging.report.pdf_memo import build_memo_pdf

    try:
        return "ok", build_memo_pdf(memo, payload)
    except HedgingError as err:
        return "hedging", str(err)
    except (ValueError, TypeError, KeyError, RuntimeError) as err:
        return type(err).__name__, str(err)


#: The first item of a request for the designation memo's PDF (a proposal's request is (payload, images)).
MEMO_REQUEST = "designation memo"


def serve(stdin=None, stdout=None) -> None:
    """The worker's loop: one (payload, images) in, one (kind, value) out, until stdin closes; a
    (:data:`MEMO_REQUEST`, memo, payload) request lays out the designation memo instead."""
    if stdout is None:  # answers go to the real stdout; anything else printed goes to stderr (the server's log)
        stdout = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)
    stdin = stdin or sys.stdin.buffer
    import hedging.report.pdf  # noqa: F401  (loaded before the first request, not during it)

    while True:
        try:
            request = _receive(stdin)
        except EOFError:
            return
        if len(request) == 3 and request[0] == MEMO_REQUEST:
            _send(stdout, _layout_memo(request[1], request[2]))
            continue
        payload, images = request
        _send(stdout, _layout(payload, images))


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p))
        self.proc = subprocess.Popen([sys.executable, "-m", "hedging.service.pdf_worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=_ROOT)

    def ask(self, payload: dict, images: dict | None, request: tuple | None = None) -> tuple[str, object]:
        timer = threading.Timer(TIMEOUT_S, self.proc.kill)
        timer.start()
        try:
            _send(self.proc.stdin, request if request is not None else (payload, images))
            return _receive(self.proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            self.close()
            if not timer.is_alive():
                raise HedgingError(f"laying out the PDF took longer than {TIMEOUT_S // 60} minutes and was "
                                   "stopped. Fix: try again when the machine is less busy; the trade schedule (CSV) "
                                   "still downloads.") from None
            raise HedgingError("the process that lays out the PDF stopped unexpectedly (out of memory?). Fix: try "
                               "again; the trade schedule (CSV) still downloads.") from None
        finally:
            timer.cancel()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


def _take() -> _Worker:
    with _LOCK:
        while _IDLE:
            worker = _IDLE.pop()
            if worker.alive():
                return worker
            worker.close()
    return _Worker()


def warm() -> None:
    """Start a worker now (about a second to load) so that the layout that follows does not wait."""
    with _LOCK:
        if any(w.alive() for w in _IDLE) or len(_IDLE) >= WORKERS:
            return
        _IDLE.append(_Worker())


def shutdown() -> None:
    """Stop the idle workers (the next layout starts new ones)."""
    with _LOCK:
        idle, _IDLE[:] = list(_IDLE), []
    for worker in idle:
        worker.close()


atexit.register(shutdown)


def build_pdf(payload: Mapping, images: Mapping[str, bytes] | None = None) -> bytes:
    """:func:`hedging.report.pdf.build_pdf` of ``payload`` and ``images``, computed in a worker.

    Raises :class:`~hedging.errors.HedgingError` with the layout's own message for a product
    error, the layout's ``ValueError``/``TypeError``/``KeyError``/``RuntimeError`` (as that type)
    for a document it cannot lay out, and a HedgingError when the worker dies or times out.
    """
    with _SLOTS:
        worker = _take()
        kind, value = worker.ask(dict(payload), None if images is None else dict(images))
        with _LOCK:
            _IDLE.append(worker)
    return _answer(kind, value)


def build_memo_pdf(memo: Mapping, payload: Mapping) -> bytes:
    """:func:`hedging.report.pdf_memo.build_memo_pdf` of ``memo`` (of the proposal ``payload``), laid out
    in a worker like the proposal's PDF (about a second of text layout), with the same errors."""
    with _SLOTS:
        worker = _take()
        kind, value = worker.ask({}, None, (MEMO_REQUEST, dict(memo), dict(payload)))
        with _LOCK:
            _IDLE.append(worker)
    return _answer(kind, value)


def _answer(kind: str, value) -> bytes:
    if kind == "ok":
        return value
    if kind == "hedging":
        raise HedgingError(value)
    raise {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError}.get(kind, RuntimeError)(value)


if __name__ == "__main__":
    serve()
