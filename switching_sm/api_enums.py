"""Distinct OpenAPI enum names for the many `status` and `audience` fields.

drf-spectacular names an enum after its field; with a dozen different
`status` choice sets it would invent hashed names (Status7c1Enum). These
names are referenced from SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]; this
module is imported only when the schema is built, after the apps are loaded.
"""

from django.apps import apps


def _choices(model_label, field):
    return apps.get_model(model_label)._meta.get_field(field).choices


ENUMS = {
    "OutboundEmailStatusEnum": ("notifications.OutboundEmail", "status"),
    "IncidentStatusEnum": ("incidents.Incident", "status"),
    "PostIncidentReviewStatusEnum": ("incidents.PostIncidentReview", "status"),
    "RequestItemAudienceEnum": ("servicerequests.RequestItem", "audience"),
    "ServiceRequestStatusEnum": ("servicerequests.ServiceRequest", "status"),
    "FulfilmentTaskStatusEnum": ("servicerequests.FulfilmentTask", "status"),
    "ChangeNotificationStatusEnum": ("changes.ChangeNotification", "status"),
    "CoordinationMeetingStatusEnum": ("changes.CoordinationMeeting", "status"),
    "ServiceStatusEnum": ("servicestatus.ServiceState", "status"),
    "AudienceEnum": ("knowledge.Article", "audience"),
    "BulletinStateEnum": ("servicestatus.Bulletin", "status"),
    "WebhookDeliveryStateEnum": ("servicestatus.WebhookDelivery", "status"),
    "ForecastStatusEnum": ("demand.Forecast", "status"),
    "ExcessiveDemandAlertStatusEnum": ("demand.ExcessiveDemandAlert", "status"),
    "RiskStatusEnum": ("demand.Risk", "status"),
    "ArticleStatusEnum": ("knowledge.Article", "status"),
    "ArticleTaskStatusEnum": ("knowledge.ArticleTask", "status"),
    "ProblemStatusEnum": ("knowledge.Problem", "status"),
    "ProviderInvestigationStatusEnum": ("knowledge.ProviderInvestigation", "status"),
    "KnowledgeContributionKindEnum": ("knowledge.KnowledgeContribution", "kind"),
    "KnowledgeContributionStatusEnum": ("knowledge.KnowledgeContribution", "status"),
    "ServiceReportStatusEnum": ("reporting.ServiceReport", "status"),
    "ImprovementOpportunityStatusEnum": ("reporting.ImprovementOpportunity", "status"),
}

# servicestatus documents its status as an inline enum of bare values (no labels), which
# drf-spectacular hashes by value alone; the override must be the bare values too.
VALUES_ONLY = {"ServiceStatusEnum"}

for _name, (_label, _field) in ENUMS.items():
    _set = _choices(_label, _field)
    globals()[_name] = [value for value, _ in _set] if _name in VALUES_ONLY else _set
