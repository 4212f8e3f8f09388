"""The managed-identity token flow: probe, attempts with timeouts, retries with backoff, and a deadline.

Every attempt is a single ``Send`` (no pipeline retry) with a connect and a read timeout; this flow owns
retries, so it can honour ``Retry-After``, keep retrying IMDS's 410 for at least 70 seconds, and stop at an
overall deadline measured on the injected clock. An endpoint that accepts a connection and then says
nothing costs one read timeout, not minutes.
"""

from __future__ import annotations

import ntpath
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ServiceRequestError, ServiceResponseError, ServiceResponseTimeoutError

from ..retry_after import retry_after_seconds
from ..steps import AttemptTimeoutError, Blocking, Flow, Reply, ReplyTooLargeError, Send, Sleep
from .hosts import Host, Identity, endpoint_problem, probe_request, token_request, unsupported_identity
from .replies import Context, describe_reply, parse_token

__all__ = ["IMDS_RETRY_STATUSES", "RETRY_STATUSES", "EndpointState", "Policy", "arc_key_path", "token_flow"]

IMDS_RETRY_STATUSES = frozenset({404, 410, 429, *range(500, 600)})
"""What IMDS documents as transient, 404 and 410 included (IMDS answers them while it is updated)."""
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""Transient statuses for the other hosts (azure-core's defaults)."""
ARC_KEY_MAX_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Policy:
    """Timeouts, retries and the deadline of one ``get_token``; the defaults are documented in
    docs/decisions.md."""

    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    deadline: float = 100.0
    probe_timeout: float = 1.0
    probe_connect_timeout: float | None = None
    """The probe's connection bound when shorter than ``probe_timeout`` (an absent IMDS often drops packets)."""
    probe_again_after: float = 30.0
    max_retries: int = 5
    max_transport_retries: int = 2
    backoff: float = 0.8
    backoff_max: float = 60.0
    gone_backoff: float = 2.5
    gone_min_seconds: float = 70.0
    extra_statuses: frozenset[int] = field(default_factory=frozenset)

    def delay(self, retry: int, status: int | None) -> float:
        """Backoff before retry number ``retry`` (1-based): factor * 2**(retry-1), capped."""
        factor = self.gone_backoff if status == 410 else self.backoff
        return float(min(factor * 2 ** (retry - 1), self.backoff_max))


@dataclass(slots=True)
class EndpointState:
    """Per credential: whether the endpoint has ever answered (then the chain probe is skipped) and, after a
    probe nothing answered, why and until when the next request fails at once instead of probing again."""

    answered: bool = False
    probe_failure: str | None = None
    probe_again_at: float = 0.0


def retry_after(reply: Reply, now: float) -> float | None:
    """Seconds a ``Retry-After`` (or ``x-ms-retry-after-ms``) header asks for; ``None`` without a usable one."""
    return retry_after_seconds(reply.header, now)


def arc_key_path(reply: Reply, directory: str, context: Context) -> str:
    """The key file named by Azure Arc's ``WWW-Authenticate: Basic realm=<path>`` challenge, if it is a
    ``.key`` file directly inside the agent's token ``directory``."""
    header = reply.header("www-authenticate") or ""
    scheme, _, realm = header.partition("=")
    if scheme.strip().lower() != "basic realm" or not realm.strip():
        raise context.failed("Azure Arc answered 401 without a 'WWW-Authenticate: Basic realm=<key file>' challenge")
    path = realm.strip().strip('"')
    module = ntpath if ("\\" in directory or ":" in directory[:3]) else posixpath
    normalized: str = module.normpath(path)
    if module.normcase(module.dirname(normalized)) != module.normcase(module.normpath(directory)):
        raise context.failed(
            f"Azure Arc's challenge names a key file outside the agent's token directory {directory!r}: {path!r}"
        )
    if not normalized.lower().endswith(".key"):
        raise context.failed(f"Azure Arc's challenge names a file without the '.key' suffix: {path!r}")
    return normalized


def _retryable(host: Host, status: int, policy: Policy) -> bool:
    statuses = IMDS_RETRY_STATUSES if host.kind == "imds" else RETRY_STATUSES
    return status in statuses or status in policy.extra_statuses


def _unreachable_proxy(reply: Reply) -> bool:
    """Docker Desktop's proxy answers 403 "... unreachable ..." when no IMDS exists behind it."""
    return reply.status == 403 and b"unreachable" in reply.body.lower()


def _probe(context: Context, policy: Policy, state: EndpointState, clock: Callable[[], float]) -> Flow[None]:
    """One quick attempt, no retries: inside a chain, an absent IMDS must not cost seconds. A failure is
    remembered for ``probe_again_after`` seconds, so a chain asked again meanwhile does not wait again."""
    if state.probe_failure is not None and clock() < state.probe_again_at:
        wait = policy.probe_again_after
        raise context.failed(f"{state.probe_failure} (not probed again for {wait:g} s)", unavailable=True)
    request = probe_request(context.host, context.resource)
    timeout = policy.probe_timeout
    connect = policy.probe_connect_timeout or timeout
    problem: str | None = None
    try:
        reply = yield Send(request, retry=False, connect_timeout=connect, read_timeout=timeout, deadline=timeout)
    except Exception as exc:  # any failure of the probe means "no IMDS here": the chain moves on
        waited = connect if isinstance(exc, ServiceRequestError) else timeout
        problem = f"no response from the IMDS endpoint within {waited:g} s ({type(exc).__name__})"
    else:
        if _unreachable_proxy(reply):
            problem = "a proxy answered that the IMDS endpoint is unreachable"
    if problem is not None:
        state.probe_failure, state.probe_again_at = problem, clock() + policy.probe_again_after
        raise context.failed(problem, unavailable=True)
    state.answered, state.probe_failure = True, None


def token_flow(
    host: Host,
    identity: Identity,
    resource: str,
    *,
    clock: Callable[[], float],
    policy: Policy,
    state: EndpointState,
    probe: bool,
    read_key: Callable[[str], str],
    key_directory: str | None,
) -> Flow[AccessTokenInfo]:
    """Obtain a token for ``resource`` from ``host`` (any host but workload identity)."""
    context = Context(host, identity, resource)
    problem = unsupported_identity(host, identity)
    if problem:
        raise context.failed(problem)
    problem = endpoint_problem(host.endpoint)
    if problem:
        raise context.failed(f"the endpoint {problem}; refusing to send the request")
    deadline = clock() + policy.deadline
    if probe and not state.answered:
        yield from _probe(context, policy, state, clock)
    is_imds = host.kind == "imds"
    authorization: str | None = None
    challenged = False
    retries = 0
    transport_failures = 0
    waited = 0.0
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            raise context.failed(f"no token within the {policy.deadline:g} s deadline", unavailable=is_imds)
        read_timeout = min(policy.read_timeout, remaining)
        request = token_request(host, identity, resource, authorization=authorization)
        problem_detail: str
        reply: Reply | None = None
        try:
            reply = yield Send(
                request,
                retry=False,
                connect_timeout=min(policy.connect_timeout, remaining),
                read_timeout=read_timeout,
                verify=False if host.kind == "service_fabric" else None,
                pinned_sha1=host.thumbprint if host.kind == "service_fabric" else None,
                deadline=remaining,
            )
        except AttemptTimeoutError:
            # The reply kept arriving too slowly (a trickle): the deadline covers the whole attempt.
            raise context.failed(
                f"the endpoint did not complete its reply within the {policy.deadline:g} s deadline",
                unavailable=is_imds,
            ) from None
        except ReplyTooLargeError as exc:
            raise context.failed(f"the endpoint's reply was refused: {exc.message}", unavailable=is_imds) from None
        except ServiceResponseTimeoutError:
            # Accepted the connection and said nothing: retrying would likely hang again.
            raise context.failed(
                f"the endpoint accepted the connection but sent no reply within {read_timeout:g} s",
                unavailable=is_imds,
            ) from None
        except (ServiceRequestError, ServiceResponseError) as exc:
            problem_detail = f"no response from the endpoint ({type(exc).__name__}: {exc.message})"
        if reply is not None:
            state.answered = True
            if reply.status == 401 and host.kind == "azure_arc" and not challenged:
                challenged = True
                if key_directory is None:
                    raise context.failed("Azure Arc managed identity is supported on Linux and Windows only")
                path = arc_key_path(reply, key_directory, context)
                try:
                    authorization = yield Blocking(read_key, (path,))
                except (OSError, ValueError) as exc:
                    raise context.failed(f"could not read Azure Arc's key file {path!r}: {exc}") from None
                continue
            if 200 <= reply.status < 300:
                return parse_token(reply, clock(), context)
            if _unreachable_proxy(reply):
                raise context.failed("a proxy answered that the IMDS endpoint is unreachable", unavailable=True)
            problem_detail = f"the endpoint answered {describe_reply(reply)}"
            if not _retryable(host, reply.status, policy):
                # IMDS answers 400 when no identity (or not the requested one) is assigned to the resource.
                unavailable = is_imds and reply.status == 400
                raise context.failed(problem_detail, reply=reply, unavailable=unavailable)
        status = reply.status if reply is not None else None
        if reply is None:
            transport_failures += 1
        may_retry = retries < policy.max_retries or (status == 410 and is_imds and waited < policy.gone_min_seconds)
        if reply is None and transport_failures > min(policy.max_transport_retries, policy.max_retries):
            may_retry = False
        if not may_retry:
            attempts = retries + 1
            raise context.failed(
                f"{problem_detail} (after {attempts} attempt{'s' if attempts > 1 else ''})",
                reply=reply,
                unavailable=is_imds and reply is None,
            )
        retries += 1
        delay = policy.delay(retries, status)
        asked = retry_after(reply, clock()) if reply is not None else None
        if asked is not None:
            delay = asked
        if clock() + delay >= deadline:
            wait = f"asked to retry after {asked:g} s" if asked is not None else f"next retry due in {delay:g} s"
            raise context.failed(
                f"{problem_detail}; giving up: {wait}, past the {policy.deadline:g} s deadline",
                reply=reply,
                unavailable=is_imds and reply is None,
            )
        yield Sleep(delay)
        waited += delay
