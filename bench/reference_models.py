"""AutoETS and AutoARIMA forecasts for bench/forecast.py, run in the reference environment.

statsforecast needs pandas < 3, so it lives in its own virtual environment
(``.venv-reference``, made by bench/forecast.py) and this script is its only user: it reads
``{"horizon": h, "season": 12, "series": {name: [values...]}}`` as JSON on standard input and
writes ``{"versions": {...}, "seconds": s, "forecasts": {model: {name: {"point": [...],
"lo80": [...], "hi80": [...], "lo95": [...], "hi95": [...]}}}}`` to standard output.
Models: statsforecast's AutoETS and AutoARIMA with ``season_length=12`` (Hyndman and Khandakar
2008, "Automatic time series forecasting: the forecast package for R", J. Stat. Software 27(3)),
on the values as given (no log transform), intervals at 80% and 95%.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    import numpy as np
    import pandas as pd
    import statsforecast
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS

    job = json.load(sys.stdin)
    h, season = int(job["horizon"]), int(job.get("season", 12))
    frames = [pd.DataFrame({"unique_id": name, "ds": pd.date_range("2000-01-01", periods=len(v), freq="MS"),
                            "y": np.asarray(v, dtype=float)}) for name, v in job["series"].items()]
    start = time.perf_counter()
    sf = StatsForecast(models=[AutoETS(season_length=season), AutoARIMA(season_length=season)], freq="MS",
                       n_jobs=1)
    fc = sf.forecast(df=pd.concat(frames, ignore_index=True), h=h, level=[80, 95])
    seconds = time.perf_counter() - start
    out: dict = {}
    for model in ("AutoETS", "AutoARIMA"):
        out[model] = {}
        for name, group in fc.groupby("unique_id"):
            out[model][str(name)] = {key: group[col].astype(float).tolist() for key, col in (
                ("point", model), ("lo80", f"{model}-lo-80"), ("hi80", f"{model}-hi-80"),
                ("lo95", f"{model}-lo-95"), ("hi95", f"{model}-hi-95"))}
    json.dump({"versions": {"statsforecast": statsforecast.__version__, "pandas": pd.__version__},
               "seconds": seconds, "forecasts": out}, sys.stdout)


if __name__ == "__main__":
    main()
