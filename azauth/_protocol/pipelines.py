"""Azure Pipelines: requesting the job's OIDC token for a service connection (workload identity federation)."""

from __future__ import annotations

import json
from urllib.parse import quote

from azure.core.exceptions import ClientAuthenticationError
from azure.core.rest import HttpRequest

from .steps import Flow, Reply, Send

__all__ = ["OIDC_API_VERSION", "OIDC_REQUEST_URI_VARIABLE", "TROUBLESHOOTING", "oidc_token"]

OIDC_API_VERSION = "7.1"
OIDC_REQUEST_URI_VARIABLE = "SYSTEM_OIDCREQUESTURI"
TROUBLESHOOTING = "https://aka.ms/azsdk/python/identity/azurepipelinescredential/troubleshoot"

_HINTS = {
    401: "the pipeline's System.AccessToken was rejected: check that system_access_token is the current job's"
    " System.AccessToken (mapped into the step's environment, e.g. SYSTEM_ACCESSTOKEN: $(System.AccessToken))"
    " and that the job has not finished",
    403: "the pipeline is not authorized to use this service connection: grant the pipeline access to it in the"
    " service connection's security settings",
    404: "no such service connection for this job: check service_connection_id (the 'resourceId' in the service"
    " connection's URL) and that the service connection uses workload identity federation",
    400: "Azure DevOps rejected the request: check service_connection_id and that SYSTEM_OIDCREQUESTURI is the"
    " current job's value",
}


def oidc_request(request_uri: str, service_connection_id: str, access_token: str) -> HttpRequest:
    url = (
        f"{request_uri.rstrip('/')}?api-version={OIDC_API_VERSION}"
        f"&serviceConnectionId={quote(service_connection_id, safe='')}"
    )
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {access_token}",
        "X-TFS-FedAuthRedirect": "Suppress",  # a status code instead of a redirect to a sign-in page
    }
    return HttpRequest("POST", url, headers=headers)


def _service_message(reply: Reply, secret: str) -> str:
    """Azure DevOps' own ``message`` (JSON errors), shortened, with the access token scrubbed should it appear."""
    try:
        body = json.loads(reply.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    text = " ".join(message.split())[:300]
    return ": " + (text.replace(secret, "***") if secret else text)


def explain_failure(reply: Reply, request_uri: str, secret: str) -> ClientAuthenticationError:
    """An error for a failed OIDC token request: the status, what it usually means and what to check."""
    status = reply.status
    if status in _HINTS:
        hint = _HINTS[status]
    elif status == 203 or 300 <= status < 400:
        hint = _HINTS[401] + " (Azure DevOps answered with a sign-in redirect)"
    elif status >= 500:
        hint = "Azure DevOps had a server error: try again later"
    else:
        hint = "unexpected status"
    return ClientAuthenticationError(
        message=f"AzurePipelinesCredential: the OIDC token request to {request_uri} failed with HTTP {status}"
        f"{_service_message(reply, secret)}. Meaning: {hint}. See {TROUBLESHOOTING}"
    )


def oidc_token(request_uri: str, service_connection_id: str, access_token: str) -> Flow[str]:
    """POST to the job's OIDC endpoint; the reply's ``oidcToken`` is a client assertion for Entra."""
    reply: Reply = yield Send(oidc_request(request_uri, service_connection_id, access_token))
    if reply.status != 200:
        raise explain_failure(reply, request_uri, access_token)
    try:
        body = reply.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    token = body.get("oidcToken") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token.strip():
        raise ClientAuthenticationError(
            message=f"AzurePipelinesCredential: the OIDC endpoint {request_uri} answered HTTP 200 without an"
            f" oidcToken ({reply.header('content-type') or 'no content type'}, {len(reply.body)} bytes)."
            f" See {TROUBLESHOOTING}"
        )
    return token.strip()
