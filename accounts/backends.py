"""The authentication backend: Django's username and password, refusing deactivated access.

Django's ModelBackend already refuses an inactive user, at sign-in and on every request
that carries a session (`get_user`). This one also refuses the people of a deactivated
organisation (User.has_access), so deactivating an organisation ends its sessions at once.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccessBackend(ModelBackend):
    def user_can_authenticate(self, user):
        return getattr(user, "has_access", False)

    def get_user(self, user_id):
        """Return the session's user, or None (signed out) if they may no longer use the system."""
        user = (get_user_model()._default_manager.select_related("organisation")
                .filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None
