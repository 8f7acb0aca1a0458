"""Index price model: jump-diffusion simulation, closed-form futures and calibration."""

from hedging.market.calibrate import Calibration, calibrate, log_likelihood
from hedging.market.model import DAYS_PER_YEAR, PAPER_TABLE3, JumpDiffusionModel

__all__ = [
    "DAYS_PER_YEAR",
    "PAPER_TABLE3",
    "Calibration",
    "JumpDiffusionModel",
    "calibrate",
    "log_likelihood",
]
