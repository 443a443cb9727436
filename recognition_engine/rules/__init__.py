"""The substantial-difference checks, one small class each, in the order they are reported."""

from .base import Context, Finding, Outcome, Rule, RuleParams, Verdict
from .completeness import Completeness
from .level import Level
from .outcomes import CognitiveDepth, LearningOutcomes
from .profile import FieldOfEducation, Participation, Recency
from .requirements import Requirements, Result
from .trust import Assessment, QualityAssurance
from .workload import Workload

RULES: dict[str, type[Rule]] = {
    rule.id: rule
    for rule in (Completeness, Level, Workload, LearningOutcomes, CognitiveDepth, QualityAssurance, Assessment,
                 Result, Requirements, Participation, Recency, FieldOfEducation)
}

__all__ = ["RULES", "Context", "Finding", "Outcome", "Rule", "RuleParams", "Verdict"]
