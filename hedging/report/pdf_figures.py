"""Stored plotly figures to PNG through one warm kaleido (headless Chromium) session.

Starting Chromium costs about two seconds; rendering a chart in an open tab about 0.15 s. The
renderer therefore starts once per process, on first use, and stays open until the process exits
(or :func:`stop_renderer`). It runs its own asyncio loop in a daemon thread, so callers are plain
synchronous code (Streamlit, the CLI, tests), every wait has a timeout, and a browser that
cannot start or has died raises instead of hanging. (kaleido's own ``start_sync_server`` waits
without a timeout, so a browser that fails to start blocks its caller forever.)

Measured on a 2-CPU machine with the nine charts of a proposal at 900 x 450 px, scale 2: cold
start 1.3 s, then 1.4-1.8 s for the nine charts one after another in one tab. Two tabs render
them in 1.2-1.4 s but take 3.2 s to open, so one tab is used.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import threading
from collections.abc import Mapping

import plotly.graph_objects as go
import plotly.io as pio

WIDTH, HEIGHT, SCALE = 900, 450, 2
#: Layout size in px (before ``SCALE``) of the charts whose shape differs from the default.
SIZES = {"hedge_ratios": (900, 400), "margin": (900, 380), "volume_token": (900, 400), "volume_gpu": (900, 400),
         "basis_token": (900, 420), "basis_gpu": (900, 420)}
START_TIMEOUT = 60.0      # seconds to start Chromium
FIGURE_TIMEOUT = 30.0     # seconds for one chart


class RenderFailure(Exception):
    """A chart could not be rendered; the message says why, in words for the report's reader."""


def figure_size(key: str) -> tuple[int, int]:
    """Layout width and height in px at which chart ``key`` is rendered (the PNG is ``SCALE`` times larger)."""
    return SIZES.get(key, (WIDTH, HEIGHT))


def parse_figure(stored: object) -> dict:
    """A stored figure (``fig.to_json()`` text, a dict or a Figure) as a validated figure dict.

    Raises :class:`RenderFailure` when it is not a plotly figure.
    """
    try:
        if isinstance(stored, go.Figure):
            return stored.to_dict()
        if isinstance(stored, (bytes, str)):
            return pio.from_json(stored).to_dict()
        if isinstance(stored, Mapping):
            return go.Figure(dict(stored)).to_dict()
    except (ValueError, TypeError, KeyError, json.JSONDecodeError) as err:
        raise RenderFailure(f"the stored chart is not a valid plotly figure ({_short(err)})") from None
    raise RenderFailure(f"the stored chart is a {type(stored).__name__}, not a plotly figure")


def _short(err: BaseException, limit: int = 120) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Renderer:
    """One Chromium with one kaleido tab, driven from a private event loop thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._kaleido is not None:
            return
        import kaleido  # imported here: the PDF tables do not need a browser

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="report-chart-renderer", daemon=True)
        thread.start()

        async def open_browser():
            k = kaleido.Kaleido(n=1, mathjax=False, timeout=FIGURE_TIMEOUT)
            try:
                await k.open()
            except BaseException:
                await _quiet_close(k)
                raise
            return k

        future = asyncio.run_coroutine_threadsafe(open_browser(), loop)
        try:
            self._kaleido = future.result(timeout=START_TIMEOUT)
        except Exception as err:  # any failure to start means: no charts, with the reason
            future.cancel()
            _stop_loop(loop, thread)
            raise RenderFailure(f"the chart renderer (headless Chromium via kaleido) could not start: {_short(err)}") \
                from None
        self._loop, self._thread = loop, thread

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        k, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = None
        if k is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(_quiet_close(k), loop).result(timeout=15)
        except Exception:  # noqa: BLE001 - the browser is being discarded either way
            pass
        _stop_loop(loop, thread)

    def render(self, specs: dict[str, dict]) -> dict[str, bytes | RenderFailure]:
        """PNG bytes (or the failure) per key; ``specs`` maps key -> {"fig": dict, "opts": dict}."""
        if not specs:
            return {}
        with self._lock:
            self._start_locked()
            results = self._render_locked(specs)
            if all(isinstance(r, RenderFailure) for r in results.values()):
                # every chart failed: the browser may have died since the last report; try a fresh one once
                self._stop_locked()
                self._start_locked()
                results = self._render_locked(specs)
            return results

    def _render_locked(self, specs: dict[str, dict]) -> dict[str, bytes | RenderFailure]:
        k, loop = self._kaleido, self._loop

        async def render_all():
            return await asyncio.gather(*(k.calc_fig(s["fig"], opts=s["opts"]) for s in specs.values()),
                                        return_exceptions=True)

        future = asyncio.run_coroutine_threadsafe(render_all(), loop)
        try:
            outcome = future.result(timeout=START_TIMEOUT + FIGURE_TIMEOUT * len(specs))
        except Exception as err:  # noqa: BLE001 - reported per chart, never raised into the report
            future.cancel()
            failure = RenderFailure(f"the chart renderer did not answer: {_short(err)}")
            return {key: failure for key in specs}
        results: dict[str, bytes | RenderFailure] = {}
        for key, value in zip(specs, outcome):
            if isinstance(value, (bytes, bytearray)) and bytes(value[:8]) == b"\x89PNG\r\n\x1a\n":
                results[key] = bytes(value)
            elif isinstance(value, BaseException):
                results[key] = RenderFailure(f"the chart renderer failed: {_short(value)}")
            else:
                results[key] = RenderFailure("the chart renderer returned no PNG image")
        return results


async def _quiet_close(k) -> None:
    try:
        await k.close()
    except Exception:  # noqa: BLE001 - closing a browser that already died
        pass


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    if not thread.is_alive():
        loop.close()


_RENDERER = _Renderer()
atexit.register(_RENDERER.stop)


def start_renderer() -> None:
    """Start the shared Chromium now (about 1-2 s) so that the next report renders warm.

    Raises :class:`RenderFailure` when the browser cannot start.
    """
    _RENDERER.start()


def stop_renderer() -> None:
    """Close the shared Chromium; the next render starts a new one. Also runs at interpreter exit."""
    _RENDERER.stop()


def renderer_running() -> bool:
    return _RENDERER.running


def render_all(figures: Mapping[str, object]) -> tuple[dict[str, bytes], dict[str, str]]:
    """Render every stored figure; returns (PNG bytes by key, reason by key for those that failed)."""
    specs: dict[str, dict] = {}
    problems: dict[str, str] = {}
    for key, stored in figures.items():
        try:
            fig = parse_figure(stored)
        except RenderFailure as err:
            problems[key] = str(err)
            continue
        width, height = figure_size(key)
        specs[key] = {"fig": fig, "opts": {"format": "png", "width": width, "height": height, "scale": SCALE}}
    try:
        results = _RENDERER.render(specs)
    except RenderFailure as err:
        results = {key: err for key in specs}
    images = {}
    for key, value in results.items():
        if isinstance(value, RenderFailure):
            problems[key] = str(value)
        else:
            images[key] = value
    return images, problems


def render_figures(figures: Mapping[str, object]) -> dict[str, bytes]:
    """PNG bytes of each stored plotly figure, rendered in one warm Chromium session.

    ``figures`` maps a name to ``fig.to_json()`` text (or a figure dict or Figure). Each chart is
    rendered at its fixed layout size (:func:`figure_size`) and scale 2. A figure that is missing,
    invalid or fails to render is left out of the result; :func:`render_all` also says why.
    """
    return render_all(figures)[0]
