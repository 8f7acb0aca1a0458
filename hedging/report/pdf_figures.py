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
import re
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
    """A stored figure (``fig.to_json()`` text, a dict or a Figure) as a validated figure dict,
    with everything that could fetch from the network removed first (:func:`safe_figure`).

    Raises :class:`RenderFailure` when it is not a plotly figure.
    """
    try:
        if isinstance(stored, go.Figure):
            raw = stored.to_plotly_json()
        elif isinstance(stored, (bytes, str)):
            raw = json.loads(stored)
        elif isinstance(stored, Mapping):
            raw = dict(stored)
        else:
            raise RenderFailure(f"the stored chart is a {type(stored).__name__}, not a plotly figure")
        if not isinstance(raw, Mapping):
            raise RenderFailure(f"the stored chart is a {type(raw).__name__}, not a plotly figure")
        return go.Figure(_strip_figure(raw)).to_dict()
    except (ValueError, TypeError, KeyError, RecursionError, json.JSONDecodeError) as err:
        raise RenderFailure(f"the stored chart is not a valid plotly figure ({_short(err)})") from None


def safe_figure(stored: object) -> dict:
    """A stored figure reduced to what draws from the numbers and labels it holds.

    A figure is data that a browser (Chromium for the PDF, the user's for the page) turns into
    requests if it names something outside: layout images and image traces (``source``), map
    tiles and geo outlines, links and styles in text (``<a href>``, ``<span style>``), menus whose
    buttons change the layout. Kept: the top-level ``data`` and ``layout`` only (no ``frames``);
    traces of the kinds in :data:`SAFE_TRACES`; the layout entries in :data:`SAFE_LAYOUT` (axes,
    legends, title, annotations, shapes, template...), with a template kept only as a built-in
    name or a dict cleaned the same way; in every string, HTML tags other than the plain
    formatting ones (``<br>``, ``<b>``, ``<i>``, ``<em>``, ``<sup>``, ``<sub>``, ``<s>``, ``<u>``,
    ``<extra>``) without attributes; font families other than plain names. The app's own charts
    keep every trace and layout entry (their templates lose only the defaults of trace kinds
    they do not use), so they draw exactly as before.

    Raises :class:`RenderFailure` when ``stored`` is not a plotly figure.
    """
    return parse_figure(stored)


#: Trace kinds drawn from numbers and labels alone (the app's charts use scatter, bar, histogram).
SAFE_TRACES = frozenset({"scatter", "scattergl", "bar", "histogram", "box", "violin", "heatmap", "histogram2d",
                         "contour", "pie", "waterfall", "funnel"})
#: Layout entries kept (``xaxis2``, ``yaxis3``, ``legend2``, ``coloraxis2``... too); everything else,
#: ``images``, ``mapbox``, ``map``, ``geo``, ``updatemenus``, ``sliders`` among them, is dropped.
SAFE_LAYOUT = frozenset({"title", "font", "margin", "showlegend", "legend", "barmode", "bargap", "bargroupgap",
                         "barnorm", "boxmode", "boxgap", "boxgroupgap", "violinmode", "violingap", "violingroupgap",
                         "annotations", "shapes", "hovermode", "hoverlabel", "hoverdistance", "height", "width",
                         "autosize", "paper_bgcolor", "plot_bgcolor", "colorway", "colorscale", "coloraxis",
                         "separators", "uniformtext", "template", "xaxis", "yaxis", "piecolorway", "extendpiecolors",
                         "hiddenlabels", "waterfallmode", "waterfallgap", "funnelmode", "funnelgap", "meta",
                         "annotationdefaults", "shapedefaults", "autotypenumbers"})
_NUMBERED = re.compile(r"(?:xaxis|yaxis|legend|coloraxis)\d+")
#: Keys dropped wherever they appear: what names something to fetch.
_NEVER = frozenset({"images", "source", "href", "mapbox", "map", "geo", "updatemenus", "sliders"})
_TAG = re.compile(r"<[^<>]*>")
_PLAIN_TAG = re.compile(r"</?(?:br|b|i|em|sup|sub|s|u|extra)\s*/?>", re.IGNORECASE)
_FAMILY = re.compile(r"[A-Za-z0-9 ,_.'\"-]*")
_DEFAULT_FAMILY = "DejaVu Sans, Arial, sans-serif"


def _strip_figure(raw: Mapping) -> dict:
    data = raw.get("data") or []
    layout = raw.get("layout") or {}
    if not isinstance(data, (list, tuple)) or not isinstance(layout, Mapping):
        raise ValueError("a figure's data must be a list and its layout a mapping")
    return {"data": [_clean(t) for t in data if _safe_trace(t)], "layout": _strip_layout(layout)}


def _safe_trace(trace: object) -> bool:
    return isinstance(trace, Mapping) and trace.get("type", "scatter") in SAFE_TRACES


def _strip_layout(layout: Mapping) -> dict:
    out = {}
    for key, value in layout.items():
        if key not in SAFE_LAYOUT and not _NUMBERED.fullmatch(str(key)):
            continue
        if key == "template":
            value = _strip_template(value)
            if value is None:
                continue
        else:
            value = _clean(value, key)
        out[key] = value
    return out


def _strip_template(template: object) -> object:
    if isinstance(template, str):
        return template if template in pio.templates else None
    if not isinstance(template, Mapping):
        return None
    data = template.get("data") if isinstance(template.get("data"), Mapping) else {}
    layout = template.get("layout") if isinstance(template.get("layout"), Mapping) else {}
    return {"data": {kind: [_clean(t) for t in traces if isinstance(t, Mapping)]
                     for kind, traces in data.items() if kind in SAFE_TRACES and isinstance(traces, (list, tuple))},
            "layout": _strip_layout({k: v for k, v in layout.items() if k != "template"})}


def _clean(value: object, key: object = None) -> object:
    if isinstance(value, Mapping):
        return {k: _clean(v, k) for k, v in value.items() if k not in _NEVER}
    if isinstance(value, (list, tuple)):
        return [_clean(v, key) for v in value]
    if isinstance(value, str):
        if key == "family":
            return value if _FAMILY.fullmatch(value) else _DEFAULT_FAMILY
        return _TAG.sub(lambda m: m.group(0) if _PLAIN_TAG.fullmatch(m.group(0)) else "", value)
    return value


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
