"""Single sign-on with the municipality's OpenID Connect provider (mozilla-django-oidc).

People are matched to imported users by e-mail. Signing in by SSO proves who someone is; it
never decides what they may do: roles come only from role assignments made by HR or the
organisation import, whatever groups or claims the identity provider sends.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from organisation.models import User


class MunicipalityOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims: dict[str, Any]):
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> User:
        """Only reached with OIDC_CREATE_USER on: a plain account with no role and no staff
        or superuser flag, whatever the claims say."""
        email = claims.get("email", "").strip()
        name = (
            claims.get("name")
            or " ".join(
                part for part in (claims.get("given_name"), claims.get("family_name")) if part
            )
        ).strip()
        user = self.UserModel.objects.create_user(
            username=self.get_username(claims), email=email, name=name[:200]
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        """Keep the name in step with the identity provider; nothing else, least of all roles."""
        name = (claims.get("name") or "").strip()
        if name and name != user.name:
            user.name = name[:200]
            user.save(update_fields=["name"])
        return user

    def get_username(self, claims: dict[str, Any]) -> str:
        base = (claims.get("preferred_username") or claims.get("email") or "").strip()
        return base[:150] or super().get_username(claims)


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))
