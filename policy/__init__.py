"""The communication strategy of Norddjurs Kommune as a pure engine.

Reads only its own data file; no clock, no network, no database.
"""

from policy.engine import (
    POLICY_VERSION,
    coverage_groups,
    intake_errors,
    label,
    parse_intake,
    questions,
    recommend,
)
from policy.models import (
    TEXT_MAX,
    AdviceWarning,
    Finding,
    Intake,
    Option,
    PlatformFit,
    Question,
    Recommendation,
    Review,
    TextChecks,
    blank,
)

__all__ = [
    "POLICY_VERSION",
    "TEXT_MAX",
    "AdviceWarning",
    "Finding",
    "Intake",
    "Option",
    "PlatformFit",
    "Question",
    "Recommendation",
    "Review",
    "TextChecks",
    "blank",
    "coverage_groups",
    "intake_errors",
    "label",
    "parse_intake",
    "questions",
    "recommend",
]
