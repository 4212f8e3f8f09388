"""Managed identity, sans-IO: host detection, each host's request and reply, and the retrying token flow.

``hosts`` knows the endpoints (detection order, api-versions, headers, identity parameter names),
``replies`` parses their answers and words their errors, ``flow`` runs the attempts.
"""

from .flow import EndpointState, Policy, token_flow
from .hosts import Host, Identity, detect_host, scopes_to_resource, select_identity
from .replies import ManagedIdentityError

__all__ = [
    "EndpointState",
    "Host",
    "Identity",
    "ManagedIdentityError",
    "Policy",
    "detect_host",
    "scopes_to_resource",
    "select_identity",
    "token_flow",
]
