"""Natural hedges on the sample company: commitments reduce the exposure before any hedge is
sized, reach the spec, the exposure table, the stress and the attribution, and the proposal."""

from __future__ import annotations

import numpy as np
import pytest

from hedging import service
from hedging.errors import InputError
from hedging.service.hedge import build_program
from hedging.service.outcome import remaining_risk
from hedging.service.stress import stress_table
from tests.service.test_forecast import AS_OF, company  # noqa: F401  (module fixture: the sample company)

BASE = service.RunSpec(as_of=AS_OF, horizon=12, n_paths=2000, seed=7, rho=0.3)
JAN, FEB = "2027-01", "2027-02"   # horizon months 1 and 2 as of 6 Dec 2026
FIXED = (service.Commitment("contracted", "gpu", JAN, JAN, price=2.0, share=100),
         service.Commitment("contracted", "gpu", FEB, FEB, price=2.0, share=50))


@pytest.fixture(scope="module")
def views(company):  # noqa: F811
    return (service.forecast(BASE, company), service.forecast(BASE.with_(commitments=FIXED), company))


def _gpu_lots(result, month: str) -> int:
    t = result.contracts.table
    keep = (t["underlying"] == "gpu") & (t["delivery_month"].astype(str).str.startswith(month))
    return int(result.lots[keep.to_numpy()].sum())


def test_a_fully_fixed_month_leaves_no_price_risk_and_no_hedge(views):
    plain, fixed = views
    gpu = fixed.underlyings["gpu"]
    # January's GPU spend is volume x the fixed price on every path: the index does not enter it
    np.testing.assert_allclose(gpu.spend[:, 0], gpu.volume_paths[:, 0] * 2.0)
    assert np.all(gpu.exposed_paths[:, 0] == 0)
    for policy in ("min_variance", "layered"):
        before = build_program(plain, service.Policy(name=policy))
        after = build_program(fixed, service.Policy(name=policy))
        assert _gpu_lots(before, JAN) > 0
        assert _gpu_lots(after, JAN) == 0
        # months without a commitment keep their hedge
        assert _gpu_lots(after, "2027-03") == _gpu_lots(before, "2027-03")


def test_half_the_volume_fixed_halves_the_hedged_volume(views):
    plain, fixed = views
    c0 = build_program(plain, service.Policy(name="layered")).contracts
    c1 = build_program(fixed, service.Policy(name="layered")).contracts
    k = next(i for i, (u, m) in enumerate(zip(c0.table["underlying"], c0.table["delivery_month"].astype(str)))
             if u == "gpu" and m.startswith(FEB))
    assert c1.expected_volume[k] == pytest.approx(0.5 * c0.expected_volume[k], rel=1e-12)
    lots0 = _gpu_lots(build_program(plain, service.Policy(name="layered")), FEB)
    lots1 = _gpu_lots(build_program(fixed, service.Policy(name="layered")), FEB)
    assert abs(lots1 - lots0 / 2) <= 1      # whole lots: half, to the nearest lot


def test_exposure_tables_show_the_fixed_volume(views):
    _, fixed = views
    table = service.exposure_table(fixed, service.Policy()).set_index("unit")
    gpu = fixed.underlyings["gpu"]
    covered = gpu.volume_paths[:, 0].mean() + 0.5 * gpu.volume_paths[:, 1].mean()
    assert table.loc["GPU-hours", "at fixed prices (share of volume)"] == pytest.approx(
        covered / gpu.volume_paths.sum(axis=1).mean(), rel=1e-9)
    assert table.loc["M tokens", "at fixed prices (share of volume)"] == 0.0
    rows = service.natural_table(fixed)
    assert list(rows["kind"]) == ["contracted fixed price"] * 2
    assert rows["paid at fixed prices (USD)"].iloc[0] == pytest.approx(2.0 * gpu.volume_paths[:, 0].mean())


def test_stress_and_attribution_start_from_the_exposure_commitments_leave(views):
    _, fixed = views
    result = build_program(fixed, service.Policy())
    rem = remaining_risk(fixed, result).attribution
    assert rem.total == pytest.approx(float(np.var(result.hedged.sum(axis=1), ddof=1)), rel=1e-9)
    assert sum(rem.parts.values()) == pytest.approx(rem.total, rel=1e-9)
    table, _ = stress_table(fixed, result)
    assert len(table) > 0


def test_commitments_travel_in_the_spec(views):
    spec = BASE.with_(commitments=FIXED + (service.Commitment("prepaid", "token", JAN, "2027-12", amount=1e5),))
    again = service.RunSpec.from_dict(spec.to_dict())
    assert again.commitments == spec.commitments and again.simulation_key() == spec.simulation_key()


def test_a_provider_that_is_not_in_the_usage_is_refused(company):  # noqa: F811
    spec = BASE.with_(commitments=(service.Commitment("contracted", "gpu", JAN, JAN, provider="nebius", price=2.0,
                                                      share=100),))
    with pytest.raises(InputError, match="nebius.*coreweave, lambda"):
        service.forecast(spec, company)


def test_table_rows_are_checked_with_their_row_number():
    rows = service.commitment_rows(FIXED)
    assert service.commitments_from_rows(rows) == FIXED
    rows[1]["share of usage %"] = "lots"
    with pytest.raises(InputError, match="row 2.*not a number"):
        service.commitments_from_rows(rows)
    assert service.commitments_from_rows([{"kind": None}]) == ()


def test_the_page_check_names_the_row_and_the_providers_there_are(views):
    _, fixed = views
    rows = FIXED + (service.Commitment("discount", "token", JAN, JAN, provider="nebius", discount=10),)
    with pytest.raises(InputError, match=r"row 3.*nebius.*anthropic, azure, openai"):
        service.check_commitment_providers(rows, fixed)
    service.check_commitment_providers(FIXED, fixed)   # these pass


def test_cli_takes_the_template_and_refuses_a_bad_row(company, capsys, monkeypatch, tmp_path):  # noqa: F811
    from hedging.cli import main

    monkeypatch.setenv("HEDGING_DATA_DIR", str(company.data_dir))
    monkeypatch.setenv("DATABASE_URL", company.database_url)
    good = tmp_path / "commitments.csv"
    assert main(["commitments-template", "--out", str(good)]) == 0
    good.write_text("kind,underlying,provider,start month,end month,volume per month,price (USD per unit),"
                    "share of usage %,discount %,amount (USD)\ncontracted,gpu,,2027-01,2027-01,,2.0,100,,\n")
    capsys.readouterr()
    assert main(["hedge", "--as-of", AS_OF.isoformat(), "--policy", "layered", "--paths", "1000", "--json",
                 "--commitments", str(good)]) == 0
    out = __import__("json").loads(capsys.readouterr().out)
    assert out["spec"]["commitments"][0]["kind"] == "contracted"
    assert not any(r["contract"] == "GPUHF27" for r in out["schedule"])    # January's GPU price is fixed
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text().replace("2.0,100", "2.0,300"))
    assert main(["hedge", "--as-of", AS_OF.isoformat(), "--paths", "1000", "--commitments", str(bad)]) != 0
    assert "bad.csv, row 2, column `share of usage %`" in capsys.readouterr().err
