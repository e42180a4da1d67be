"""The communication strategy of Norddjurs Kommune as a pure engine.

Reads only its strategy file (the shipped one, or the one `load_policy` is given); no clock,
no network, no database.
"""

from policy.engine import (
    POLICY_VERSION,
    Policy,
    active_policy,
    coverage_groups,
    gates,
    intake_errors,
    label,
    load_policy,
    parse_intake,
    policy_version,
    questions,
    recommend,
    use_policy,
)
from policy.loader import StrategyError
from policy.models import (
    TEXT_MAX,
    AdviceWarning,
    Finding,
    Gate,
    Intake,
    Option,
    PlatformFit,
    Question,
    Recommendation,
    Review,
    TextChecks,
    blank,
    web_link,
)

__all__ = [
    "POLICY_VERSION",
    "TEXT_MAX",
    "AdviceWarning",
    "Finding",
    "Gate",
    "Intake",
    "Option",
    "PlatformFit",
    "Policy",
    "Question",
    "Recommendation",
    "Review",
    "StrategyError",
    "TextChecks",
    "active_policy",
    "blank",
    "coverage_groups",
    "gates",
    "intake_errors",
    "label",
    "load_policy",
    "parse_intake",
    "policy_version",
    "questions",
    "recommend",
    "use_policy",
    "web_link",
]
