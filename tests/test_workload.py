import pytest
from pydantic import ValidationError

from recognition_engine.workload import Workload, WorkloadError


def test_tin_chi_uses_50_hours_and_25_to_30_hours_per_ects():
    ects = Workload(value=6, unit="tin_chi").to_ects()
    assert (ects.low, ects.high) == (10.0, 12.0)  # 300 h / 30 .. 300 h / 25
    assert "300 h" in ects.conversion
    assert "17/2021" in ects.source and "25" in ects.source


def test_tin_chi_from_text_with_diacritics():
    w = Workload.model_validate("6 tín chỉ")
    assert (w.value, w.unit) == (6, "tin_chi")
    assert w.to_ects().low == 10.0


def test_ects_is_exact():
    ects = Workload(value=5, unit="ECTS").to_ects()
    assert (ects.low, ects.high) == (5.0, 5.0)


def test_hours_per_week_text():
    w = Workload.model_validate("3–5 hours per week, 6 weeks")
    assert (w.min, w.max, w.unit) == (18, 30, "hours")
    ects = w.to_ects()
    assert (ects.low, ects.high) == (0.6, 1.2)
    assert "3–5 hours per week" in ects.conversion


def test_weeks_first_text():
    w = Workload.model_validate("6 weeks at 4 hours a week")
    assert (w.min, w.max) == (24, 24)


def test_other_systems():
    assert Workload(value=6, unit="cfu").to_ects().high == 6.0  # 150 h / 25
    assert Workload(value=6, unit="cfu").to_ects().low == 5.0  # 150 h / 30
    assert Workload(value=20, unit="uk_cats").to_ects().low == 10.0
    us = Workload(value=3, unit="us_semester_credit_hour").to_ects()
    assert (us.low, us.high) == (4.5, 5.4)
    lao = Workload(value=3, unit="lao_credit").to_ects()
    assert lao.low < lao.high and lao.source


def test_range_in_unit():
    ects = Workload(min=3, max=4, unit="ects").to_ects()
    assert str(ects) == "3–4"


def test_unreadable_text_is_kept_and_explained():
    w = Workload.model_validate("a few evenings")
    assert w.text == "a few evenings" and w.unit is None
    with pytest.raises(WorkloadError, match="a few evenings"):
        w.to_ects()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"value": 5, "unit": "parsecs"}, "unknown unit 'parsecs'"),
        ({"value": -1, "unit": "ects"}, "greater than 0"),
        ({"min": 5, "max": 3, "unit": "ects"}, "greater than max"),
        ({"value": 5}, "needs a unit"),
        (5, "has no unit"),
    ],
)
def test_invalid_workloads_say_why(data, message):
    with pytest.raises(ValidationError, match=message):
        Workload.model_validate(data)
