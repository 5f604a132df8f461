"""The closed vocabularies of the data model. Values are what the database stores."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    CONTRIBUTOR = "contributor"
    EDITOR = "editor"
    ADMIN = "admin"


class EvidenceKind(StrEnum):
    TICKET = "ticket"
    INTERVIEW_NOTE = "interview_note"
    QUOTE = "quote"
    SURVEY_RESPONSE = "survey_response"
    REQUEST = "request"
    SALES_CALL = "sales_call"
    REVIEW = "review"
    USAGE_OBSERVATION = "usage_observation"
    NOTE = "note"


class EvidenceMode(StrEnum):
    """What people say (stated) versus what they do (observed)."""

    STATED = "stated"
    OBSERVED = "observed"


#: The mode a kind implies unless the importer says otherwise.
DEFAULT_MODE = {
    EvidenceKind.TICKET: EvidenceMode.OBSERVED,
    EvidenceKind.INTERVIEW_NOTE: EvidenceMode.STATED,
    EvidenceKind.QUOTE: EvidenceMode.STATED,
    EvidenceKind.SURVEY_RESPONSE: EvidenceMode.STATED,
    EvidenceKind.REQUEST: EvidenceMode.STATED,
    EvidenceKind.SALES_CALL: EvidenceMode.STATED,
    EvidenceKind.REVIEW: EvidenceMode.STATED,
    EvidenceKind.USAGE_OBSERVATION: EvidenceMode.OBSERVED,
    EvidenceKind.NOTE: EvidenceMode.OBSERVED,
}


class SourceStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    FAILED = "failed"


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class ProblemStatus(StrEnum):
    HYPOTHESIS = "hypothesis"
    VALIDATED = "validated"
    INVALIDATED = "invalidated"
    SOLVED = "solved"
    PARKED = "parked"


class LinkRole(StrEnum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    SYMPTOM = "symptom"


class LinkOrigin(StrEnum):
    HUMAN = "human"
    SUGGESTED = "suggested"


class LinkStatus(StrEnum):
    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class BetKind(StrEnum):
    OPPORTUNITY = "opportunity"
    SOLUTION = "solution"


class BetStatus(StrEnum):
    IDEA = "idea"
    SHAPING = "shaping"
    COMMITTED = "committed"
    BUILDING = "building"
    MEASURING = "measuring"
    DONE = "done"
    DROPPED = "dropped"
    NOT_YET = "not_yet"


class AssumptionType(StrEnum):
    DESIRABILITY = "desirability"
    VIABILITY = "viability"
    FEASIBILITY = "feasibility"
    USABILITY = "usability"
    ETHICS = "ethics"


class AssumptionStatus(StrEnum):
    OPEN = "open"
    TESTING = "testing"
    SUPPORTED = "supported"
    REFUTED = "refuted"
    ACCEPTED_RISK = "accepted_risk"


class ExperimentStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class ExperimentResult(StrEnum):
    SUPPORTED = "supported"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


class DecisionStatus(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNDER_REVIEW = "under_review"
    REAFFIRMED = "reaffirmed"
    SUPERSEDED = "superseded"
    DEPRECATED = "deprecated"


class Reversibility(StrEnum):
    """How costly it is to walk the decision back (a "two-way door" is cheap)."""

    TWO_WAY = "two_way"
    COSTLY = "costly"
    ONE_WAY = "one_way"


class DecisionLinkKind(StrEnum):
    SUPERSEDES = "supersedes"
    AMENDS = "amends"
    DEPENDS_ON = "depends_on"
    CONFLICTS_WITH = "conflicts_with"


class SignalAction(StrEnum):
    INFORM = "inform"
    REVIEW = "review"
    REOPEN = "reopen"


class SignalState(StrEnum):
    ARMED = "armed"
    OK = "ok"
    BREACHED = "breached"
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"


class Comparator(StrEnum):
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="


class MetricKind(StrEnum):
    COUNT = "count"
    UNIQUE = "unique"
    ACTIVE_USERS = "active_users"
    ADOPTION = "adoption"
    RETENTION = "retention"
    FUNNEL = "funnel"
    STICKINESS = "stickiness"
    FAILURE_RATE = "failure_rate"
    TIME_TO_COMPLETE = "time_to_complete"
    NPS = "nps"
    CSAT = "csat"
    RATIO = "ratio"
    DERIVED = "derived"


class GoodDirection(StrEnum):
    UP = "up"
    DOWN = "down"


class EventSourceKind(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"
    DUCKDB = "duckdb"
    IBIS = "ibis"


class Disposition(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    SCHEDULED = "scheduled"
    NOT_YET = "not_yet"
    DECLINED = "declined"
    MERGED = "merged"


class DeadlineKind(StrEnum):
    HARD = "hard"
    SOFT = "soft"


class ScoringKind(StrEnum):
    RICE = "rice"
    ICE = "ice"
    WSJF = "wsjf"
    WEIGHTED = "weighted"


class OutcomeStatus(StrEnum):
    ACTIVE = "active"
    ACHIEVED = "achieved"
    MISSED = "missed"
    DROPPED = "dropped"


class IncrementKind(StrEnum):
    LEARN = "learn"
    SHIP = "ship"


class IncrementStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class ExceptionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
