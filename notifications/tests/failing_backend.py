"""An email backend whose server refuses every message, for retry tests."""

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP down")


class ObservingBackend(BaseEmailBackend):
    """Record what the outbox row says (read on a separate query) at the moment of sending."""

    seen = []

    def send_messages(self, email_messages):
        from notifications.models import OutboundEmail

        type(self).seen = [
            tuple(OutboundEmail.objects.filter(message_id=m.extra_headers["Message-ID"])
                  .values_list("status", "attempts").get()) for m in email_messages]
        return len(email_messages)
