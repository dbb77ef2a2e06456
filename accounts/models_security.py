"""Access management records: second factors, sign-in attempts, access reviews."""

from django.conf import settings
from django.db import models


class TotpDevice(models.Model):
    """A user's authenticator app (RFC 6238 TOTP). Confirmed once a first code is entered."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="totp_device")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last accepted time step: a code is accepted once, so a shoulder-surfed
    # or replayed code fails.
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "two-factor device"

    def __str__(self):
        return f"Authenticator for {self.user}"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator (a lost phone).

    Ten are issued when two-factor is set up, shown once, and stored only as a SHA-256
    hash (each has about 50 random bits, so a hash cannot be guessed back). Using one
    marks it used; issuing a new set removes the old ones.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"], name="recovery_code_lookup")]

    def __str__(self):
        return f"Recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


class LoginAttempt(models.Model):
    """One sign-in attempt, kept for lockout and for the desk to see who is being targeted."""

    username = models.CharField(max_length=150, db_index=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        # Used by the lockout check: recent failures for one username.
        indexes = [models.Index(fields=["username", "-at"], name="login_attempt_recent_idx")]

    def __str__(self):
        return f"{self.username} {'ok' if self.succeeded else 'failed'} {self.at:%Y-%m-%d %H:%M}"


class AccessReview(models.Model):
    """An organisation administrator's confirmation that its user list is right."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                     related_name="access_reviews")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField(help_text="The users, roles, last logins and 2FA as confirmed.")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-confirmed_at"]

    def __str__(self):
        return f"Access review of {self.organisation} by {self.confirmed_by}"
