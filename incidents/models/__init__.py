"""Models of the incidents app, split by topic (see each module)."""

from .choices import Channel, Kind, PendingReason, ResolutionCode, Status  # noqa: F401
from .incident import (  # noqa: F401
    CLOSED_STATUSES,
    SEVERITY_CHOICES,
    SEVERITY_GUIDANCE,
    AssignmentLeg,
    Incident,
    IncidentAttachment,
    IncidentComment,
    IncidentLink,
    IncidentTransition,
    ReferenceCounter,
    SeverityChange,
)
from .major import (  # noqa: F401
    HeldEmail,
    InboundEmail,
    MajorIncident,
    MajorIncidentUpdate,
    PostIncidentReview,
)
from .reconciliation import (  # noqa: F401
    ReconciliationItem,
    ReconciliationProgress,
    ReconciliationTransition,
)
from .sla import Escalation, OlaTarget, SlaPolicy, SlaTarget  # noqa: F401
