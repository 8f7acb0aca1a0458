"""Proposal PDFs laid out in a worker process (hedging.service.pdf_worker): the same document as
an in-process layout, errors carried back as the layout's own exceptions or plain messages, and a
worker that dies replaced by a fresh one."""

from __future__ import annotations

import io

import pypdf
import pytest

from hedging.errors import HedgingError
from hedging.report.pdf import build_pdf as build_here
from hedging.service import pdf_worker
from tests.report.proposal_fixture import make_proposal


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(autouse=True)
def _stop_workers():
    yield
    pdf_worker.shutdown()


def test_worker_lays_out_the_same_document_as_in_process():
    proposal = make_proposal(figures=False, schedule_rows=60)
    there = pdf_worker.build_pdf(proposal)
    assert there.startswith(b"%PDF-")
    assert _pages(there) == _pages(build_here(proposal))


def test_worker_is_kept_for_the_next_document():
    pdf_worker.build_pdf(make_proposal(figures=False))
    (worker,) = pdf_worker._IDLE
    pdf_worker.build_pdf(make_proposal(figures=False, hostile=True))
    assert pdf_worker._IDLE == [worker] and worker.alive()


def test_serve_answers_each_request_until_its_input_closes():
    requests = io.BytesIO()
    pdf_worker._send(requests, (make_proposal(figures=False), None))
    pdf_worker._send(requests, ({"figures": "not a mapping"}, {}))
    requests.seek(0)
    answers = io.BytesIO()
    pdf_worker.serve(requests, answers)
    answers.seek(0)
    first, second = pdf_worker._receive(answers), pdf_worker._receive(answers)
    assert first[0] == "ok" and first[1].startswith(b"%PDF-")
    assert second[0] == "ok" and second[1].startswith(b"%PDF-")  # a malformed document still builds, as in-process
    with pytest.raises(EOFError):
        pdf_worker._receive(answers)


@pytest.mark.parametrize("answer, error", [(("hedging", "the fonts are missing. Fix: install them."), HedgingError),
                                           (("ValueError", "bad width"), ValueError),
                                           (("KeyError", "schedule"), KeyError),
                                           (("RuntimeError", "odd"), RuntimeError)])
def test_failures_come_back_as_the_layouts_own_exceptions(monkeypatch, answer, error):
    monkeypatch.setattr(pdf_worker._Worker, "ask", lambda self, payload, images: answer)
    with pytest.raises(error, match=answer[1].split(".")[0]):
        pdf_worker.build_pdf(make_proposal(figures=False))


def test_a_worker_that_dies_is_a_plain_message_and_the_next_pdf_gets_a_fresh_one():
    pdf_worker.build_pdf(make_proposal(figures=False))
    (worker,) = pdf_worker._IDLE
    worker.proc.kill()
    worker.proc.wait()
    pdf_worker._IDLE[:] = []
    with pytest.raises(HedgingError, match="stopped unexpectedly") as err:
        worker.ask(make_proposal(figures=False), None)
    assert "Traceback" not in str(err.value) and "CSV" in str(err.value)
    pdf_worker._IDLE.append(worker)  # a dead idle worker is skipped
    assert pdf_worker.build_pdf(make_proposal(figures=False)).startswith(b"%PDF-")
    assert all(w.alive() for w in pdf_worker._IDLE) and worker not in pdf_worker._IDLE
