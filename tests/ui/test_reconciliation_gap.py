"""The Data page's "Largest difference" never reads as the threshold it is compared with."""

from screens._render_data import _gap


def test_a_gap_just_under_the_threshold_shows_the_decimal_that_tells_them_apart():
    assert _gap(0.09996, 0.10) == "9.996%"     # not flagged at 10%, so not "10.0%"
    assert _gap(0.1004, 0.10) == "10.04%"      # flagged, and visibly above


def test_other_gaps_keep_one_decimal():
    assert _gap(0.10, 0.10) == "10.0%"         # equal: "more than 10%" does not flag it, and it reads so
    assert _gap(0.25, 0.10) == "25.0%"
    assert _gap(0.0, 0.05) == "0.0%"
