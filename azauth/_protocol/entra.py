"""Microsoft Entra ID token-endpoint grants, as sans-IO flows."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from azure.core.credentials import AccessTokenInfo
from azure.core.rest import HttpRequest

from .steps import Flow, Send
from .token_reply import parse_token_reply

__all__ = ["CAE_CLIENT_CAPABILITIES", "client_credentials", "merge_claims", "token_url"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CAE_CLIENT_CAPABILITIES = ("CP1",)


def token_url(authority: str, tenant: str) -> str:
    """The v2.0 token endpoint of ``tenant`` at a normalized ``authority``."""
    return f"{authority}/{tenant}/oauth2/v2.0/token"


def merge_claims(claims: str | None, enable_cae: bool) -> str | None:
    """The ``claims`` request parameter: a claims challenge merged with CAE client capabilities."""
    if not enable_cae:
        return claims or None
    try:
        merged = json.loads(claims) if claims else {}
    except ValueError:
        raise ValueError("claims must be a JSON object, such as a resource provider's claims challenge") from None
    if not isinstance(merged, dict):
        raise ValueError("claims must be a JSON object, such as a resource provider's claims challenge")
    access_token = merged.setdefault("access_token", {})
    if isinstance(access_token, dict):
        xms_cc = access_token.setdefault("xms_cc", {})
        if isinstance(xms_cc, dict):
            values = xms_cc.setdefault("values", [])
            if isinstance(values, list):
                values.extend(c for c in CAE_CLIENT_CAPABILITIES if c not in values)
    return json.dumps(merged, separators=(",", ":"))


def token_request(url: str, form: Mapping[str, str]) -> HttpRequest:
    """A form-encoded POST to a token endpoint."""
    return HttpRequest("POST", url, data=dict(form), headers={"Accept": "application/json"})


def client_credentials(
    url: str,
    client_id: str,
    scopes: Sequence[str],
    *,
    now: Callable[[], float],
    secret: str | None = None,
    assertion: Callable[[str], str] | None = None,
    claims: str | None = None,
) -> Flow[AccessTokenInfo]:
    """The client-credentials grant, authenticated by ``secret`` or by ``assertion(audience)``."""
    form = {"grant_type": "client_credentials", "client_id": client_id, "scope": " ".join(scopes)}
    if secret is not None:
        form["client_secret"] = secret
    elif assertion is not None:
        form["client_assertion_type"] = ASSERTION_TYPE
        form["client_assertion"] = assertion(url)
    if claims:
        form["claims"] = claims
    reply = yield Send(token_request(url, form))
    return parse_token_reply(reply, now(), endpoint=f"The token endpoint {url}")
