"""What a stored proposal can make the report do: nothing outside it is fetched while its charts are
rendered, and its name is printed as plain text on every page.

The fetch test plants a chart that points at a socket served on 127.0.0.1 by the test itself
(images, an image trace, a template image, links and styles in text, a font family, a map
layer) and checks that rendering it through the PDF path sends that socket nothing, while the
same chart rendered without the clean-up does reach it (so the check can fail).
"""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time

import plotly.io as pio
import pypdf
import pytest

from hedging.report import pdf_figures
from hedging.report.pdf import build_pdf
from hedging.report.pdf_figures import parse_figure, render_all, safe_figure, stop_renderer

from .proposal_fixture import make_proposal

#: A 1 x 1 PNG served to whatever asks.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


class Listener:
    """A socket on 127.0.0.1 that records the first line of every request it is sent (bounded: it
    stops by itself after ``limit`` seconds)."""

    def __init__(self, limit: float = 300.0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._deadline = time.monotonic() + limit
        self._thread = threading.Thread(target=self._serve, name="fetch-listener", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
                except OSError:
                    first = "(connection without a request)"
                self.requests.append(first)
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: "
                                 + str(len(PNG)).encode() + b"\r\nConnection: close\r\n\r\n" + PNG)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def _image(url: str) -> dict:
    return {"source": url, "xref": "paper", "yref": "paper", "x": 0, "y": 1, "sizex": 0.5, "sizey": 0.5}


def fetching_figure(url: str) -> dict:
    """What an edited stored chart can hold to make a browser fetch ``url``."""
    return {
        "data": [
            {"type": "scatter", "x": [1, 2, 3], "y": [1, 3, 2], "mode": "lines+markers+text",
             "name": f'<a href="{url}/legend">Token spend</a>',
             "text": [f'<span style="fill:url({url}/text-style)">a</span>', "b", "c"]},
            {"type": "image", "source": f"{url}/image-trace"},
        ],
        "layout": {
            "title": {"text": f'Plan <a href="{url}/title">wire the margin</a> <b>now</b>'},
            "images": [_image(f"{url}/layout-image")],
            "template": {"layout": {"images": [_image(f"{url}/template-image")]}},
            "font": {"family": f"DejaVu Sans; background-image:url({url}/font)"},
            "annotations": [{"text": f'<span style="background:url({url}/annotation)">note</span>',
                             "x": 2, "y": 2, "showarrow": False}],
        },
    }


def _render_unclean(fig: dict) -> None:
    """Render ``fig`` as it is, past the clean-up (the renderer's own entry point)."""
    pdf_figures._RENDERER.render({"raw": {"fig": fig, "opts": {"format": "png", "width": 600, "height": 300,
                                                                "scale": 1}}})


def _wait_for(listener: Listener, seconds: float = 3.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while not listener.requests and time.monotonic() < deadline:
        time.sleep(0.1)
    return list(listener.requests)


def test_a_planted_chart_fetches_nothing_when_the_pdf_is_rendered(listener):
    url = f"http://127.0.0.1:{listener.port}/x"
    try:
        images, problems = render_all({"spend_fan": json.dumps(fetching_figure(url))})
        assert problems == {} and images["spend_fan"][:8] == b"\x89PNG\r\n\x1a\n"   # still drawn
        data = build_pdf({**make_proposal(figures=False), "figures": {"spend_fan": json.dumps(fetching_figure(url))}})
        assert data[:5] == b"%PDF-"
        assert _wait_for(listener) == []
        # the control: the same chart without the clean-up does reach the socket
        _render_unclean(fetching_figure(url))
        reached = _wait_for(listener)
        assert reached and all(line.startswith("GET /x/") for line in reached)
    finally:
        stop_renderer()


def test_the_clean_figure_keeps_nothing_that_names_the_outside():
    url = "http://127.0.0.1:9/x"
    clean = safe_figure(fetching_figure(url))
    text = json.dumps(clean)
    assert url not in text and "url(" not in text and "href" not in text
    assert [t["type"] for t in clean["data"]] == ["scatter"]              # the image trace is dropped
    assert "images" not in clean["layout"] and "images" not in clean["layout"]["template"]["layout"]
    assert clean["layout"]["title"]["text"] == "Plan wire the margin <b>now</b>"   # text kept, link gone
    assert clean["data"][0]["name"] == "Token spend"
    assert clean["layout"]["font"]["family"] == "DejaVu Sans, Arial, sans-serif"
    for planted in ({"data": [{"type": "scattermap", "lat": [0], "lon": [0]}],
                     "layout": {"map": {"style": f"{url}/style.json"}, "geo": {"showland": True}}},
                    {"data": [], "layout": {"updatemenus": [{"buttons": [
                        {"method": "relayout", "args": [{"images": [_image(url)]}]}]}]}},
                    {"data": [], "layout": {}, "frames": [{"layout": {"images": [_image(url)]}}]}):
        assert url not in json.dumps(safe_figure(planted))


def test_the_apps_own_charts_come_through_unchanged():
    """Every trace and layout entry of the stored charts is kept; hostile names the charts escaped
    stay escaped text (the clean-up removes tags, it does not decode entities)."""
    for key, stored in make_proposal(hostile=True)["figures"].items():
        before, after = pio.from_json(stored).to_dict(), parse_figure(stored)
        assert after["data"] == before["data"], key
        layout = {k: v for k, v in before["layout"].items() if k != "template"}
        assert {k: v for k, v in after["layout"].items() if k != "template"} == layout, key
        assert after["layout"]["template"]["layout"] == {
            k: v for k, v in before["layout"]["template"]["layout"].items()
            if k not in ("geo", "polar", "scene", "ternary", "mapbox")}, key


def test_the_page_shows_a_stored_chart_cleaned_too():
    from hedging import service

    fig = service.figure(json.dumps(fetching_figure("http://127.0.0.1:9/x")))
    assert "127.0.0.1" not in fig.to_json() and len(fig.data) == 1


def test_a_hostile_name_is_plain_text_on_every_page():
    name = '[Wire the margin](http://127.0.0.1:9/pay) **now** <a href="http://127.0.0.1:9/x">click</a>'
    fingerprint = "ab" * 32
    data = build_pdf({**make_proposal(figures=False), "name": name, "fingerprint": fingerprint}, images={})
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [p.extract_text() for p in reader.pages]
    for n, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        assert f"Proposal #3 · {name} · Page {n} of {len(pages)}" in flat   # literally, markup and all
        assert f"Fingerprint {fingerprint}" in flat
    links = [a.get_object().get("/A", {}).get("/URI") for p in reader.pages for a in p.get("/Annots") or []]
    assert not [u for u in links if u]                                       # no page links anywhere
