"""Models of the incidents app, split by topic (see each module)."""

from .choices import Channel, Kind, PendingReason, ResolutionCode, Status  # noqa: F401
from .communications import (  # noqa: F401
    Communication,
    CommunicationCadence,
    CommunicationKind,
    CommunicationPlan,
)
from .incident import (  # noqa: F401
    CLOSED_STATUSES,
    OPEN_STATUSES,
    SERVICE_AFFECTING_SEVERITIES,
    SEVERITY_CHOICES,
    SEVERITY_GUIDANCE,
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
    PostIncidentReview,
)
from .masters import AffectedOrganisation, CascadedUpdate, MasterLink  # noqa: F401
from .reconciliation import (  # noqa: F401
    ReconciliationItem,
    ReconciliationProgress,
    ReconciliationTransition,
)
from .sla import Escalation, OlaTarget, SlaPolicy, SlaTarget  # noqa: F401
from .tasks import (  # noqa: F401
    OPEN_TASK_STATUSES,
    ProviderTask,
    ProviderTaskNote,
    ProviderTaskTransition,
    TaskStatus,
)
