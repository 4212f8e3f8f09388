"""Which tenant a token request goes to: azure-identity's multi-tenant rules."""

from __future__ import annotations

from collections.abc import Collection

from azure.core.exceptions import ClientAuthenticationError

from .validation import validate_tenant_id

__all__ = ["resolve_tenant"]


def resolve_tenant(
    configured: str,
    requested: str | None,
    *,
    additionally_allowed: Collection[str],
    multitenant_disabled: bool,
) -> str:
    """Return the tenant for a request asking for ``requested`` on a credential configured for ``configured``.

    A different tenant is allowed when it is listed in ``additionally_allowed`` (or ``"*"`` is), when the
    credential has no tenant of its own, or when it is configured for ``organizations`` and has no
    allow-list. ``AZURE_IDENTITY_DISABLE_MULTITENANTAUTH`` (``multitenant_disabled``) and ADFS pin the
    configured tenant.
    """
    if requested is None or requested == configured:
        return configured
    validate_tenant_id(requested)
    if configured == "adfs" or multitenant_disabled:
        return configured
    if not configured:
        return requested
    if "*" in additionally_allowed or requested in additionally_allowed:
        return requested
    if not additionally_allowed and configured == "organizations":
        return requested
    raise ClientAuthenticationError(
        message=f"The current credential is not configured to acquire tokens for tenant {requested}. To enable"
        " acquiring tokens for this tenant add it to the additionally_allowed_tenants when creating the"
        ' credential, or add "*" to additionally_allowed_tenants to allow acquiring tokens for any tenant.'
    )
