"""Models of the servicerequests app, split by topic: the catalogue, and requests."""

from .catalogue import (  # noqa: F401
    AccessEffect,
    ApproverRole,
    Audience,
    FieldType,
    FulfilmentGroup,
    RequestField,
    RequestItem,
    RequestSlaPolicy,
    RequestSlaVersion,
)
from .request import (  # noqa: F401
    DONE_STATUSES,
    FINAL_STATUSES,
    Approval,
    Channel,
    FulfilmentTask,
    RequestComment,
    RequestTransition,
    ServiceRequest,
    Status,
    TaskStatus,
    TaskTransition,
)
