"""React to the incidents app: a BCDR invocation starts the Crisis Management Team step."""

from incidents.signals import bcdr_invoked

from .services import invoke_crisis_management


def on_bcdr_invoked(sender, major_incident, by, **kwargs):
    # Inside the invocation's transaction (see incidents.signals): the log and the pages
    # commit with it, and the pages are delivered from the outbox after commit.
    invoke_crisis_management(major_incident=major_incident, by=by)


def connect():
    bcdr_invoked.connect(on_bcdr_invoked, dispatch_uid="continuity-bcdr")
