"""Quality assurance, and whether the outcomes are shown to be achieved (assessment, with the
other trust signals read together)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..credential import ASK, IdentityVerification, MicroCredential, QualityAssuranceType, Supervision
from ..messages import Message, msg
from .base import CONDITIONAL, Context, Finding, Rule, RuleParams, Verdict, word
from .phrases import Phrase, check_meanings, read


class QualityParams(RuleParams):
    verdicts: dict[QualityAssuranceType, Verdict]

    def model_post_init(self, _context) -> None:
        missing = set(QualityAssuranceType) - set(self.verdicts)
        if missing:
            raise ValueError(f"verdicts must cover every type of quality assurance; missing: {sorted(m.value for m in missing)}")


class QualityAssurance(Rule):
    id = "quality_assurance"
    element = "quality_assurance"
    Params = QualityParams

    def evaluate(self, ctx: Context) -> Finding:
        qa = ctx.credential.quality_assurance
        if qa is None:
            return self.finding(Verdict.insufficient_information, msg("the credential states no type of quality assurance"),
                                ask_for=[ASK["quality_assurance"]])
        verdict = self.params.verdicts[qa.type]
        evidence = {"type": qa.type.value, "description": qa.description}
        qa_type = word(qa.type.value)
        reason = (msg("quality assurance: %(type)s (%(description)s)", type=qa_type, description=qa.description) if qa.description
                  else msg("quality assurance: %(type)s", type=qa_type))
        if verdict is Verdict.substantial_difference:
            return self.finding(verdict, reason, evidence, remedies=[CONDITIONAL], bridge=[msg(
                "an examination of the course's outcomes at this institution, since the provider's quality is not assured")])
        return self.finding(verdict, reason, evidence)


NOT_STATED = "not_stated"
ASSESSMENT_MEANINGS = ("none", "automated", "assessed")
# The trust signals a combination can name, and the values each can take.
SIGNALS: dict[str, tuple[str, ...]] = {
    "assessment": ASSESSMENT_MEANINGS,
    "supervision": (*(s.value for s in Supervision), NOT_STATED),
    "identity_verification": (*(i.value for i in IdentityVerification), NOT_STATED),
    "quality_assurance": (*(q.value for q in QualityAssuranceType), NOT_STATED),
    "level_declared_by": ("provider", "quality_assurance_body", "qualifications_framework", NOT_STATED),
}


class Combination(BaseModel):
    """Trust signals that together leave the outcomes not shown to be achieved, and the
    verification that would show them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    when: dict[str, list[str]] = Field(min_length=1)
    verification: str
    reference: str

    @field_validator("when")
    @classmethod
    def _known(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for signal, values in value.items():
            if signal not in SIGNALS:
                raise ValueError(f"unknown signal {signal!r}; known: {', '.join(SIGNALS)}")
            unknown = sorted(set(values) - set(SIGNALS[signal]))
            if unknown:
                raise ValueError(f"{signal}: unknown value(s) {unknown}; known: {', '.join(SIGNALS[signal])}")
        return value


class AssessmentParams(RuleParams):
    no_assessment: Verdict
    unverified: Verdict
    # How a type of assessment written in free text is read; the first pattern found decides,
    # so negations ("no exam") come before the words they contain ("exam").
    evidence: list[Phrase] = Field(min_length=1)
    not_shown_when: list[Combination] = Field(default_factory=list)

    @model_validator(mode="after")
    def _meanings(self) -> "AssessmentParams":
        check_meanings(self.evidence, ASSESSMENT_MEANINGS)
        return self


UNSUPERVISED = {Supervision.none, Supervision.online_unsupervised}
UNVERIFIED = {IdentityVerification.none, IdentityVerification.self_declared}


def trust_signals(c: MicroCredential, assessment: str) -> dict[str, str]:
    return {
        "assessment": assessment,
        "supervision": c.supervision.value if c.supervision else NOT_STATED,
        "identity_verification": c.identity_verification.value if c.identity_verification else NOT_STATED,
        "quality_assurance": c.quality_assurance.type.value if c.quality_assurance else NOT_STATED,
        "level_declared_by": (c.level.declared_by if c.level and c.level.declared_by else NOT_STATED),
    }


def _plain(signals: dict[str, str]) -> list[Message]:
    return [msg("%(signal)s: %(value)s", signal=word(k), value=word(v)) for k, v in signals.items() if v != NOT_STATED]


class Assessment(Rule):
    """Reads the type of assessment (free text, any partner language) and, with supervision,
    identity verification, quality assurance and how the level was declared, decides whether
    the outcomes are shown to be achieved (Nuffic micro-credential evaluator; EAR-HEI manual)."""

    id = "assessment"
    element = "type_of_assessment"
    Params = AssessmentParams

    def evaluate(self, ctx: Context) -> Finding:
        c = ctx.credential
        if c.type_of_assessment is None:
            return self.finding(Verdict.insufficient_information, msg("the credential states no type of assessment"),
                                ask_for=[ASK["type_of_assessment"]])
        reading = read(c.type_of_assessment, self.params.evidence)
        if reading is None:
            return self.finding(Verdict.insufficient_information,
                                msg("the type of assessment \u201c%(stated)s\u201d does not say how the outcomes were assessed",
                                    stated=c.type_of_assessment),
                                {"type_of_assessment": c.type_of_assessment, "read_as": None},
                                ask_for=[ASK["type_of_assessment"]])
        signals = trust_signals(c, reading.reads_as)
        evidence = {"type_of_assessment": c.type_of_assessment, **reading.evidence(), "signals": signals}
        meaning = msg("no assessment") if reading.reads_as == "none" else word(reading.reads_as)
        read_as = msg("\u201c%(phrase)s\u201d read as %(meaning)s", phrase=reading.phrase, meaning=meaning)
        if reading.reads_as == "none":
            return self._judge(self.params.no_assessment, msg("no assessment: %(read_as)s; the credential certifies participation only",
                                                              read_as=read_as),
                               evidence, msg("an examination of the course's learning outcomes"))
        combination = next((k for k in self.params.not_shown_when
                            if all(signals[s] in values for s, values in k.when.items())), None)
        if combination is not None:
            evidence["combination"] = {"name": combination.name, "reference": combination.reference}
            return self.finding(Verdict.substantial_difference,
                                msg("the outcomes are not shown to be achieved: %(combination)s (%(signals)s)",
                                    combination=msg(combination.name), signals=_plain(signals)),
                                evidence, remedies=[CONDITIONAL], bridge=[msg(combination.verification)])
        if c.supervision in UNSUPERVISED and c.identity_verification in UNVERIFIED:
            return self._judge(self.params.unverified,
                               msg("%(stated)s (%(read_as)s), unsupervised and without identity verification",
                                   stated=c.type_of_assessment, read_as=read_as), evidence,
                               msg("a supervised examination with identity verification"))
        others = _plain({k: v for k, v in signals.items() if k != "assessment"})
        if c.supervision is None and c.identity_verification is None and not others:
            stated = msg("%(stated)s (%(read_as)s) (supervision and identity verification not stated)", stated=c.type_of_assessment,
                         read_as=read_as)
        elif c.supervision is None and c.identity_verification is None:
            stated = msg("%(stated)s (%(read_as)s); %(signals)s (supervision and identity verification not stated)",
                         stated=c.type_of_assessment, read_as=read_as, signals=others)
        elif others:
            stated = msg("%(stated)s (%(read_as)s); %(signals)s", stated=c.type_of_assessment, read_as=read_as, signals=others)
        else:
            stated = msg("%(stated)s (%(read_as)s)", stated=c.type_of_assessment, read_as=read_as)
        return self.finding(Verdict.meets, stated, evidence)

    def _judge(self, verdict: Verdict, reason: Message, evidence: dict, bridge: Message) -> Finding:
        if verdict is Verdict.substantial_difference:
            return self.finding(verdict, reason, evidence, remedies=[CONDITIONAL], bridge=[bridge])
        return self.finding(verdict, reason, evidence)
