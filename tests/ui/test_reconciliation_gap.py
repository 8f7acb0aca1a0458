"""The Data page's "Largest difference" never reads as the threshold it is compared with."""

from screens._render_data import _gap


def test_a_gap_just_under_the_threshold_shows_the_decimal_that_tells_them_apart():
    assert _gap(0.09996, 0.10) == "9.996%"     # not flagged at 10%, so not "10.0%"
    assert _gap(0.1004, 0.10) == "10.04%"      # flagged, and visibly above


def test_other_gaps_keep_one_decimal():
    assert _gap(0.10, 0.10) == "10.0%"         # equal: "more than 10%" does not flag it, and it reads so
    assert _gap(0.1 - 1e-12, 0.10) == "10.0%"  # equal as the flags compare (to 6 places), whatever the float
    assert _gap(0.25, 0.10) == "25.0%"
    assert _gap(0.0, 0.05) == "0.0%"


def test_a_money_column_with_large_amounts_is_in_whole_dollars_throughout():
    import pandas as pd

    from hedging import fmt
    from screens._render import whole_dollar_columns

    frame = pd.DataFrame({"counted (USD)": [1_027_038.4, 0.0, 312.07], "fee (USD)": [12.5, 0.0, 3.25]})
    formats = whole_dollar_columns(frame, {"counted (USD)": fmt.money, "fee (USD)": fmt.money})
    assert [formats["counted (USD)"](v) for v in frame["counted (USD)"]] == ["$1,027,038", "$0", "$312"]
    assert [formats["fee (USD)"](v) for v in frame["fee (USD)"]] == ["$12.50", "$0.00", "$3.25"]  # small: cents kept
