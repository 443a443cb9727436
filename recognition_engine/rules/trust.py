"""Quality assurance, and assessment with identity verification."""

from __future__ import annotations

from ..credential import IdentityVerification, QualityAssuranceType, Supervision
from .base import CONDITIONAL, Context, Finding, Rule, RuleParams, Verdict


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
            return self.finding(Verdict.insufficient_information, "the credential states no type of quality assurance",
                                ask_for=["quality_assurance: how the provider or the credential is quality assured"])
        verdict = self.params.verdicts[qa.type]
        evidence = {"type": qa.type.value, "description": qa.description}
        reason = f"quality assurance: {qa.type.value.replace('_', ' ')}" + (f" ({qa.description})" if qa.description else "")
        if verdict is Verdict.substantial_difference:
            return self.finding(verdict, reason, evidence, remedies=[CONDITIONAL],
                                bridge=["an examination of the course's outcomes at this institution, since the provider's quality is not assured"])
        return self.finding(verdict, reason, evidence)


class AssessmentParams(RuleParams):
    no_assessment: Verdict
    unverified: Verdict


UNSUPERVISED = {Supervision.none, Supervision.online_unsupervised}
UNVERIFIED = {IdentityVerification.none, IdentityVerification.self_declared}


class Assessment(Rule):
    id = "assessment"
    element = "type_of_assessment"
    Params = AssessmentParams

    def evaluate(self, ctx: Context) -> Finding:
        c = ctx.credential
        if c.type_of_assessment is None:
            return self.finding(Verdict.insufficient_information, "the credential states no type of assessment",
                                ask_for=["type_of_assessment: how the outcomes were assessed"])
        evidence = {"type_of_assessment": c.type_of_assessment,
                    "supervision": c.supervision.value if c.supervision else None,
                    "identity_verification": c.identity_verification.value if c.identity_verification else None}
        if not c.has_assessment:
            return self._judge(self.params.no_assessment, "no assessment: the credential certifies participation only", evidence,
                               "an examination of the course's learning outcomes")
        if c.supervision in UNSUPERVISED and c.identity_verification in UNVERIFIED:
            return self._judge(self.params.unverified,
                               f"{c.type_of_assessment}, unsupervised and without identity verification", evidence,
                               "a supervised examination with identity verification")
        stated = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in evidence.items() if v)
        if c.supervision is None and c.identity_verification is None:
            stated += " (supervision and identity verification not stated)"
        return self.finding(Verdict.meets, stated, evidence)

    def _judge(self, verdict: Verdict, reason: str, evidence: dict, bridge: str) -> Finding:
        if verdict is Verdict.substantial_difference:
            return self.finding(verdict, reason, evidence, remedies=[CONDITIONAL], bridge=[bridge])
        return self.finding(verdict, reason, evidence)
