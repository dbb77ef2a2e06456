"""Models of the incidents app, split by topic (see each module)."""

from .incident import (  # noqa: F401
    CLOSED_STATUSES,
    SEVERITY_CHOICES,
    SEVERITY_GUIDANCE,
    AssignmentLeg,
    Channel,
    Incident,
    IncidentAttachment,
    IncidentComment,
    IncidentLink,
    IncidentTransition,
    PendingReason,
    ReferenceCounter,
    ResolutionCode,
    SeverityChange,
    Status,
)
from .major import (  # noqa: F401
    HeldEmail,
    InboundEmail,
    MajorIncident,
    MajorIncidentUpdate,
    PostIncidentReview,
)
from .sla import Escalation, OlaTarget, SlaPolicy, SlaTarget  # noqa: F401
