from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from hona.models import User


class OrganizationModelBackend(ModelBackend):
    """Django's backend, loading the user's firm with the user in one query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            # The firm and the user's own notification settings (a reverse one-to-one, named so
            # hona needs no import of the notifications app) come in the same query.
            user = User.objects.select_related("organization", "notification_settings").get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
