"""Notional workload in any credit system, converted to an ECTS range with its source."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, model_validator

from .reference import ReferenceData, default_reference

_NUM = r"\d+(?:[.,]\d+)?"
_RANGE = rf"(?P<lo>{_NUM})(?:\s*(?:-|–|—|to)\s*(?P<hi>{_NUM}))?"
_PER_WEEK = re.compile(rf"{_RANGE}\s*(?:hours?|hrs?|h)\b\s*(?:per|a|/|each)\s*week\D*?(?P<weeks>{_NUM})\s*weeks?", re.I)
_WEEKS_FIRST = re.compile(rf"(?P<weeks>{_NUM})\s*weeks?\D*?{_RANGE}\s*(?:hours?|hrs?|h)\b\s*(?:per|a|/|each)\s*week", re.I)
_AMOUNT = re.compile(rf"^\s*{_RANGE}\s*(?P<unit>[^\d;()]+?)\s*$", re.I)


class WorkloadError(ValueError):
    """The workload cannot be converted; the message says why."""


class EctsRange(BaseModel):
    """A workload in ECTS as a range: conversions between systems are never exact."""

    model_config = ConfigDict(frozen=True)

    low: float
    high: float
    conversion: str  # the arithmetic, written out for the officer
    source: str  # where the factors come from

    @property
    def midpoint(self) -> float:
        return (self.low + self.high) / 2

    def __str__(self) -> str:
        return f"{fmt_number(self.low)}" if self.low == self.high else f"{fmt_number(self.low)}–{fmt_number(self.high)}"


def fmt_number(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _num(text: str | None) -> float | None:
    return None if text is None else float(text.replace(",", "."))


class Workload(BaseModel):
    """Workload as written by the issuer: a value or range in a unit, or free text.

    Accepts `{value: 6, unit: tin_chi}`, `{min: 3, max: 4, unit: ects}`, or a string such
    as "6 tín chỉ" or "3-5 hours per week, 6 weeks"; text that cannot be read is kept, and
    `to_ects` says why it cannot be converted.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: object) -> object:
        if isinstance(data, str):
            return {"text": data, **_parse_text(data)}
        if isinstance(data, (int, float)):
            raise ValueError("a bare number has no unit: write {value: 5, unit: ects}")
        if isinstance(data, dict) and data.get("text") and data.get("unit") is None and data.get("value") is None:
            return {**_parse_text(str(data["text"])), **data}
        return data

    @model_validator(mode="after")
    def _check(self) -> "Workload":
        if self.value is None and self.min is None and self.max is None and self.text is None:
            raise ValueError("give value and unit, min/max and unit, or text")
        for name in ("value", "min", "max"):
            v = getattr(self, name)
            if v is not None and v <= 0:
                raise ValueError(f"{name} must be greater than 0, got {v}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.unit is not None:
            system = default_reference().credit_system(self.unit)
            if system is None:
                known = ", ".join(sorted(default_reference().credit_systems))
                raise ValueError(f"unknown unit {self.unit!r}; known credit systems: {known}")
            object.__setattr__(self, "unit", system.id)
        elif self.value is not None or self.min is not None or self.max is not None:
            raise ValueError("a workload value needs a unit (ects, hours, tin_chi, ...)")
        return self

    @property
    def amount(self) -> tuple[float, float] | None:
        if self.value is not None:
            return self.value, self.value
        if self.min is not None or self.max is not None:
            low = self.min if self.min is not None else self.max
            high = self.max if self.max is not None else self.min
            return low, high  # type: ignore[return-value]
        return None

    def to_ects(self, reference: ReferenceData | None = None) -> EctsRange:
        ref = reference or default_reference()
        amount = self.amount
        if amount is None or self.unit is None:
            raise WorkloadError(f"the workload text {self.text!r} gives no amount and unit that can be converted")
        system = ref.credit_systems[self.unit]
        low, high = amount
        written = f"{fmt_number(low)}" if low == high else f"{fmt_number(low)}–{fmt_number(high)}"
        if system.ects_per_credit:
            f_lo, f_hi = system.ects_per_credit
            ects = (low * f_lo, high * f_hi)
            factor = fmt_number(f_lo) if f_lo == f_hi else f"{fmt_number(f_lo)}–{fmt_number(f_hi)}"
            conversion = f"{written} {system.label} × {factor} ECTS per credit"
            source = system.source
        else:
            h_lo, h_hi = system.hours_per_credit  # type: ignore[misc]
            e_lo, e_hi = ref.ects_hours_per_credit
            hours = (low * h_lo, high * h_hi)
            ects = (hours[0] / e_hi, hours[1] / e_lo)
            hours_txt = fmt_number(hours[0]) if hours[0] == hours[1] else f"{fmt_number(hours[0])}–{fmt_number(hours[1])}"
            steps = [] if system.id == "hours" else [f"{written} {system.label} × {_span(h_lo, h_hi)} h = {hours_txt} h"]
            steps.append(f"{hours_txt} h ÷ {_span(e_lo, e_hi)} h per ECTS")
            conversion = "; ".join(steps)
            source = "; ".join(s for s in (system.source if system.id != "hours" else "", ref.ects_hours_source) if s)
        if self.text:
            conversion = f"read {self.text!r} as {written} {system.label}; {conversion}"
        ects = (round(ects[0], 2), round(ects[1], 2))
        return EctsRange(low=ects[0], high=ects[1], conversion=f"{conversion} = {_span(*ects)} ECTS", source=source)


def _span(low: float, high: float) -> str:
    return fmt_number(low) if low == high else f"{fmt_number(low)}–{fmt_number(high)}"


def _parse_text(text: str) -> dict[str, object]:
    """Read amount and unit from free text; return {} when the text cannot be read."""
    for pattern in (_PER_WEEK, _WEEKS_FIRST):
        m = pattern.search(text)
        if m:
            weeks = _num(m["weeks"])
            lo, hi = _num(m["lo"]), _num(m["hi"]) or _num(m["lo"])
            return {"min": lo * weeks, "max": hi * weeks, "unit": "hours"}  # type: ignore[operator]
    m = _AMOUNT.match(text)
    if m and default_reference().credit_system(m["unit"]) is not None:
        lo, hi = _num(m["lo"]), _num(m["hi"])
        if hi is None:
            return {"value": lo, "unit": m["unit"]}
        return {"min": lo, "max": hi, "unit": m["unit"]}
    return {}
