from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from hona.models import User


class OrganizationModelBackend(ModelBackend):
    """Django's backend, loading the user's firm with the user in one query."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User.objects.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
