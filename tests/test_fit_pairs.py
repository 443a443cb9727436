"""benchmarks/fit_pairs.py's held-out check: zone errors and the reliability table."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import fit_pairs  # noqa: E402


def test_zone_errors_count_each_kind_of_error_against_its_own_base():
    truth = np.array([1, 1, 1, 1, 0, 0, 0])
    zones = np.array(["covered", "to_confirm", "not_covered", "covered", "not_covered", "covered", "to_confirm"])
    errors = fit_pairs.zone_errors(np.zeros(7), truth, zones)
    assert errors["n_covered"] == 4 and errors["n_not_covered"] == 3
    assert errors["missed"] == 0.25 and errors["to_confirm"] == 0.25  # of the 4 labelled covered
    assert errors["covered_error"] == 0.333  # 1 of the 3 labelled not covered
    assert errors["n_marked_not_covered"] == 2 and errors["not_covered_wrong"] == 0.5


def test_reliability_bins_hold_every_probability_once_with_its_observed_share():
    p = np.array([0.0, 0.04, 0.3, 0.3, 0.95, 1.0])
    truth = np.array([0, 1, 1, 0, 1, 1])
    table = fit_pairs.reliability(p, truth)
    assert sum(r["n"] for r in table) == len(p)
    by_bin = {r["bin"]: r for r in table}
    assert by_bin["0.00-0.05"]["observed"] == 0.5 and by_bin["0.20-0.35"]["mean_p"] == 0.3
    assert by_bin["0.90-1.00"] == {"bin": "0.90-1.00", "n": 2, "mean_p": 0.975, "observed": 1.0}
