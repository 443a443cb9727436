"""Grade conversion for mobility returns: the original grade kept beside the converted one.

Three ways, tried in this order, each recorded in the `GradeConversion` it returns:

1. **institution-table**: the home institution's own conversion table for the sending grading
   scheme (a decision the institution has taken; it wins when it covers the grade);
2. **ects-grading-table**: the ECTS grading-table method of the ECTS Users' Guide (2015): each
   institution publishes, per reference group, the percentage of students awarded each passing
   grade; a grade is converted by its position in the sending distribution. The learner's grade
   covers a percentile band (the share of students with a better grade, to that plus the share
   with the same grade); it becomes the home grade whose band in the home grading table overlaps
   it most (on a tie, the better grade). The sending band comes from ELMO's `shortenedGrading`
   (percentageHigher / percentageEqual: ELMO counts failed students too and does not give their
   share, so the band is used as given and the basis says so) or from a distribution of passing
   grades whose order is known (ECTS letters A-E, an EWP/Egracons table, or a scheme whose order
   the policy gives);
3. **none**, with the reason (no grade, no home grading table, no sending distribution, ...).

Nothing is guessed: a distribution whose order (best to worst) is not known is kept but not used.
The configuration (`GradeConversionPolicy`) is a mapping, meant for a `grade_conversion` key of
the institution's policy; `from_policy` reads it from a policy object when the policy has one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ECTS_LETTERS = ("A", "B", "C", "D", "E")


class GradeShare(BaseModel):
    """One grade of a distribution: its label and the share (percent, or a count) awarded it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    grade: str
    share: float = Field(ge=0)


class Grading(BaseModel):
    """A grade as the source carried it, with what is needed to convert it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    grade: str
    scheme: str | None = None  # the grading scheme as the source names or describes it
    source: str  # the element it was read from, e.g. "ELMO learningOpportunityInstance/resultLabel"
    percent_better: float | None = Field(None, ge=0, le=100)  # of the reference group
    percent_equal: float | None = Field(None, ge=0, le=100)
    distribution: list[GradeShare] = Field(default_factory=list)  # as carried, in the source's order
    distribution_source: str | None = None
    # True when the source states the distribution best grade first (an EWP/Egracons grading table).
    distribution_ordered: bool = False


class GradingTable(BaseModel):
    """A grading table: the share of a reference group awarded each passing grade, best first."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    scheme: str
    reference_group: str | None = None
    grades: list[GradeShare] = Field(min_length=1)


class ConversionTable(BaseModel):
    """An institution's own conversion table from one sending scheme to the home scheme."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    from_scheme: str
    to_scheme: str
    grades: dict[str, str] = Field(min_length=1)

    @field_validator("grades", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return {str(k).strip(): str(v).strip() for k, v in value.items()} if isinstance(value, dict) else value


class GradeConversionPolicy(BaseModel):
    """What the institution's policy says about grades (a `grade_conversion` mapping)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    grading_table: GradingTable | None = None  # the home institution's, for the ECTS method
    tables: list[ConversionTable] = Field(default_factory=list)
    # Orders of sending schemes (best first) whose distributions may then be used.
    scheme_orders: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _positive_table(self) -> "GradeConversionPolicy":
        if self.grading_table is not None and sum(g.share for g in self.grading_table.grades) <= 0:
            raise ValueError("the grading table's shares add up to 0")
        return self


Method = Literal["institution-table", "ects-grading-table", "none"]


class GradeConversion(BaseModel):
    """The original grade, scheme and source, beside the converted grade and how it was found."""

    model_config = ConfigDict(frozen=True)
    original: str | None
    scheme: str | None
    source: str | None
    converted: str | None = None
    to_scheme: str | None = None
    method: Method = "none"
    basis: str | None = None  # how: the table used, or the percentile bands compared
    reason: str | None = None  # why there is no conversion


def _key(text: str | None) -> str:
    return " ".join(str(text or "").lower().split())


def from_policy(policy: Any) -> GradeConversionPolicy | None:
    """The grade-conversion settings of a policy (its header's `grade_conversion`), if it has them."""
    raw = getattr(getattr(policy, "header", None), "grade_conversion", None)
    if raw is None or isinstance(raw, GradeConversionPolicy):
        return raw
    return GradeConversionPolicy.model_validate(raw)


def _band(grading: Grading, settings: GradeConversionPolicy) -> tuple[float, float, str] | None:
    """(percent better, percent better or equal, where it came from) of the learner's grade."""
    if grading.percent_better is not None and grading.percent_equal is not None:
        # ELMO counts every student, failed ones too, where a grading table counts passing grades
        # only; the failed share is not given, so the band is used as it is, and the basis says so.
        return (grading.percent_better, grading.percent_better + grading.percent_equal,
                "shortenedGrading, which counts failed students too")
    shares = grading.distribution
    if not shares:
        return None
    labels = [s.grade for s in shares]
    order = next((o for scheme, o in settings.scheme_orders.items() if _key(scheme) == _key(grading.scheme)), None)
    if order is None and {lb.upper() for lb in labels} <= set(ECTS_LETTERS) | {"FX", "F"}:
        order = list(ECTS_LETTERS)
    if order is None and grading.distribution_ordered:
        order = labels
    if order is None:
        return None
    rank = {_key(g): i for i, g in enumerate(order)}
    passing = [s for s in shares if _key(s.grade) in rank]
    if _key(grading.grade) not in rank or not passing:
        return None
    passing.sort(key=lambda s: rank[_key(s.grade)])
    total = sum(s.share for s in passing)
    if total <= 0:
        return None
    better = sum(s.share for s in passing if rank[_key(s.grade)] < rank[_key(grading.grade)])
    equal = sum(s.share for s in passing if _key(s.grade) == _key(grading.grade))
    return 100 * better / total, 100 * (better + equal) / total, f"distribution ({grading.distribution_source or 'source'})"


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def convert(grading: Grading | None, settings: GradeConversionPolicy | None) -> GradeConversion:
    """Convert one grade (see the module docstring for the order of methods)."""
    if grading is None:
        return GradeConversion(original=None, scheme=None, source=None, reason="the credential carries no grade")
    kept = {"original": grading.grade, "scheme": grading.scheme, "source": grading.source}
    if settings is None:
        return GradeConversion(**kept, reason="the policy has no grade conversion (no home grading table, "
                               "no conversion table)")
    for table in settings.tables:
        if _key(table.from_scheme) == _key(grading.scheme):
            converted = next((v for k, v in table.grades.items() if _key(k) == _key(grading.grade)), None)
            if converted is not None:
                return GradeConversion(**kept, converted=converted, to_scheme=table.to_scheme,
                                       method="institution-table",
                                       basis=f"the institution's table from {table.from_scheme} to {table.to_scheme}")
    home = settings.grading_table
    if home is None:
        return GradeConversion(**kept, reason="no conversion table covers this grade and the policy has no home "
                               "grading table for the ECTS grading-table method")
    band = _band(grading, settings)
    if band is None:
        return GradeConversion(**kept, reason="the source gives no distribution of grades whose order is known "
                               "(shortenedGrading, or a grading table of a known scheme), so the ECTS grading-table "
                               "method cannot place this grade")
    low, high, where = band
    total = sum(g.share for g in home.grades)
    bands, start = [], 0.0
    for g in home.grades:
        end = start + 100 * g.share / total
        bands.append((g.grade, start, end))
        start = end
    if high - low < 1e-9:  # a single point: the home grade whose band holds it
        best, *band_home = next((b for b in bands if b[1] <= low < b[2]), bands[-1])
    else:  # the largest overlap; on a tie, the better grade (the first)
        best, *band_home = max(bands, key=lambda b: (max(0.0, min(high, b[2]) - max(low, b[1])), -b[1]))
    basis = (f"ECTS grading table: the grade's band is {_fmt(low)}-{_fmt(high)}% of the sending reference group "
             f"(from the {where}); home grade {best} covers {_fmt(band_home[0])}-{_fmt(band_home[1])}% of "
             f"{home.reference_group or 'the home reference group'}")
    return GradeConversion(**kept, converted=best, to_scheme=home.scheme, method="ects-grading-table", basis=basis)


def describe(conversion: GradeConversion) -> str:
    """One line for an explanation or a results file (the explanation renderer may use it)."""
    original = conversion.original or "no grade"
    if conversion.scheme:
        original += f" ({conversion.scheme})"
    if conversion.converted is None:
        return f"grade {original}: not converted, {conversion.reason}"
    return f"grade {original} -> {conversion.converted} ({conversion.to_scheme}; {conversion.method}: {conversion.basis})"
