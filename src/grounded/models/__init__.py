"""All SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from grounded.db.base import Base
from grounded.models.account import Account, Person, StakeholderGroup
from grounded.models.bet import Assumption, Bet, BetProblem, Experiment, OptionSet
from grounded.models.decision import (
    Decision,
    DecisionLink,
    DecisionOption,
    DecisionRevision,
    Signal,
)
from grounded.models.evidence import Evidence, QuarantinedRow, Source
from grounded.models.metric import EventSource, Metric, MetricValue, MetricVersion
from grounded.models.planning import (
    ExceptionDisplacedBet,
    Increment,
    Outcome,
    Plan,
    ScoringModel,
    UrgentException,
)
from grounded.models.problem import Problem, ProblemLink, ProblemRevision
from grounded.models.request import Request, RequestAccount
from grounded.models.theme import EvidenceLanguage, EvidenceSentiment, EvidenceTheme, EvidenceVector, Theme, ThemeRun
from grounded.models.web import LoginAttempt, WebSession
from grounded.models.workspace import (
    ApiToken,
    AuditEvent,
    Membership,
    User,
    Workspace,
    WorkspaceCounter,
)

__all__ = [
    "Account",
    "ApiToken",
    "Assumption",
    "AuditEvent",
    "Base",
    "Bet",
    "BetProblem",
    "Decision",
    "DecisionLink",
    "DecisionOption",
    "DecisionRevision",
    "EventSource",
    "Evidence",
    "EvidenceLanguage",
    "EvidenceSentiment",
    "EvidenceTheme",
    "EvidenceVector",
    "ExceptionDisplacedBet",
    "Experiment",
    "Increment",
    "LoginAttempt",
    "Membership",
    "Metric",
    "MetricValue",
    "MetricVersion",
    "OptionSet",
    "Outcome",
    "Person",
    "Plan",
    "Problem",
    "ProblemLink",
    "ProblemRevision",
    "QuarantinedRow",
    "Request",
    "RequestAccount",
    "ScoringModel",
    "Signal",
    "Source",
    "StakeholderGroup",
    "Theme",
    "ThemeRun",
    "UrgentException",
    "User",
    "WebSession",
    "Workspace",
    "WorkspaceCounter",
]
