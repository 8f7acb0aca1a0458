"""Benchmark of the hedge designation memo: building its data, laying out its own PDF, and what it adds
to the board PDF, each against the proposal's PDF layout measured in the same process.

Run from the repository root: ``python bench/memo.py``. Prints measured figures only.

A proposal of the sample company (2,000 paths, as of 6 Dec 2026) is saved in a temporary database.
Timed, best of 5 in this process: the memo's data from the saved document
(:func:`hedging.service.memo.designation_memo`, no database), the memo's own PDF
(:func:`hedging.report.pdf_memo.build_memo_pdf`), and the board PDF's layout without charts with and
without section 13 (:func:`hedging.report.pdf.build_pdf`, ``images={}``). The app and ``hedging memo``
lay the memo's PDF out in the PDF worker process, so the server's interpreter is not held meanwhile.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _best(call, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from hedging import service
    from hedging.config import Settings
    from hedging.report.pdf import build_pdf
    from hedging.report.pdf_memo import build_memo_pdf
    from hedging.service.designation import memo_for
    from hedging.service.memo import Lineage, designation_memo

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", data_dir=Path(tmp))
        service.load_sample_company(settings)
        run = service.build_run(service.RunSpec(as_of=dt.date(2026, 12, 6), n_paths=2000), settings)
        pid = service.save_proposal(run, "FY27 hedge", "Northwind", settings)
        payload = service.load_proposal(pid, settings)
        lineage = Lineage(status="draft", version=None, approvals_before=0, workspace="Default")
        memo = designation_memo(payload, lineage)
        t_data = _best(lambda: designation_memo(payload, lineage))
        t_lineage = _best(lambda: memo_for(payload, settings))
        t_memo_pdf = _best(lambda: build_memo_pdf(memo, payload))
        plain = {k: v for k, v in payload.items() if k != "figures"}
        t_board = _best(lambda: build_pdf(plain, images={}), repeat=3)
        t_board_memo = _best(lambda: build_pdf({**plain, "memo": memo}, images={}), repeat=3)
        pages = len(build_memo_pdf(memo, payload).split(b"/Type /Page\n")) - 1 or "?"
    print(f"memo data from the saved document:           {t_data * 1000:8.1f} ms")
    print(f"  with its lineage read from the database:   {t_lineage * 1000:8.1f} ms")
    print(f"memo PDF of its own ({pages} pages):            {t_memo_pdf * 1000:8.1f} ms")
    print(f"board PDF layout, no charts, without memo:   {t_board * 1000:8.1f} ms")
    print(f"board PDF layout, no charts, with section 13:{t_board_memo * 1000:8.1f} ms "
          f"(x{t_board_memo / t_board:.2f}; memo PDF alone x{t_memo_pdf / t_board:.2f} of the board layout)")


if __name__ == "__main__":
    main()
