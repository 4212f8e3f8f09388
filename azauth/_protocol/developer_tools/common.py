"""What the developer-tool credentials share: the tool description, argument checks, redaction, and the one
flow that runs a tool and turns what it did into a token or an error.

A tool is a :class:`Tool`: its names on ``PATH``, its install page, and four small functions (the argv
builder, the output parser, the failure classifier and the re-login hint for claims). :func:`tool_flow`
yields exactly one :class:`~azauth._protocol.steps.RunProcess` step.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError

from ...errors import CredentialUnavailableError
from ..steps import Flow, ProcessOutputTooLarge, ProcessResult, RunProcess
from ..token_reply import RedactedAccessTokenInfo

__all__ = [
    "MAX_ERROR_TEXT",
    "Tool",
    "ToolRequest",
    "encode_claims",
    "parse_epoch",
    "parse_local_time",
    "parse_utc_time",
    "redact",
    "scopes_to_resource",
    "token_info",
    "tool_flow",
    "validate_argument",
]

MAX_ERROR_TEXT = 600
"""At most this many characters of a tool's stderr appear in an error message."""


@dataclass(frozen=True, slots=True)
class ToolRequest:
    """One token request as a tool sees it; ``tenant`` is ``""`` when the tool's own default applies."""

    scopes: tuple[str, ...]
    tenant: str
    claims: str | None = None
    subscription: str | None = None


@dataclass(frozen=True)
class Tool:
    """A developer tool that prints tokens.

    ``executables`` / ``windows_executables``: names tried in order with ``shutil.which``;
    ``argv(executable, request)``: the command line; ``parse(result)``: the token of a successful run
    (``ClientAuthenticationError`` when the output is not what the tool prints); ``classify(result)``: the
    exception for a failed run; ``claims_hint(claims, request)``: the message of the
    ``CredentialUnavailableError`` raised for a claims challenge, or ``None`` when the tool takes claims itself;
    ``env``: variables set for the tool (no colours).
    """

    name: str
    credential: str
    executables: tuple[str, ...]
    windows_executables: tuple[str, ...]
    install_url: str
    troubleshoot_url: str
    argv: Callable[[str, ToolRequest], list[str]]
    parse: Callable[[ProcessResult], AccessTokenInfo]
    classify: Callable[[ProcessResult], Exception]
    claims_hint: Callable[[str, ToolRequest], str] | None = None
    env: Mapping[str, str] | None = None

    def candidates(self, windows: bool) -> tuple[str, ...]:
        """The executable names to look for, in order."""
        return self.windows_executables if windows else self.executables

    @property
    def not_found(self) -> str:
        """The message for a tool that is not on ``PATH``."""
        return (
            f"{self.name} not found on PATH (looked for {' or '.join(dict.fromkeys(self.executables))});"
            f" install it: {self.install_url}"
        )


# ------------------------------------------------------------------------------------------ arguments

_FORBIDDEN_ARGUMENT = re.compile(r"[\s\"'`$&|;<>^%!()\\]")


def validate_argument(value: str, role: str) -> str:
    """Refuse a value that a command line could read as an option or that a shell would treat specially.

    Values reach the tool as separate argv entries (never through a shell), but ``az.cmd`` runs through
    ``cmd.exe`` on Windows and PowerShell embeds them in a script, so quotes, whitespace and metacharacters are
    refused outright, as is a leading ``-``.
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"{role} must be a non-empty string")
    if value.startswith("-"):
        raise ValueError(f"{role} must not start with '-': a command line would read it as an option")
    if _FORBIDDEN_ARGUMENT.search(value) or not value.isprintable() or not value.isascii():
        raise ValueError(
            f"{role} contains whitespace, a quote, a shell metacharacter or a non-printable character; refused"
            " before it reaches a command line"
        )
    return value


_SUBSCRIPTION = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_. -]*$")


def validate_subscription(subscription: str) -> str:
    """A subscription name or ID: letters, digits, ``-``, ``_``, ``.`` and inner spaces (as azure-identity)."""
    if not isinstance(subscription, str) or not subscription:
        raise ValueError("subscription must be a non-empty string (a subscription name or ID)")
    if subscription.startswith("-"):
        raise ValueError("subscription must not start with '-': the Azure CLI would read it as an option")
    if not _SUBSCRIPTION.fullmatch(subscription) or subscription != subscription.strip():
        raise ValueError(
            "subscription contains invalid characters. If this is the name of a subscription, use its ID instead"
            " (letters, digits, '-', '_', '.' and inner spaces are allowed). See"
            " https://learn.microsoft.com/azure/azure-portal/get-subscription-tenant-id"
        )
    return subscription


def scopes_to_resource(scopes: tuple[str, ...]) -> str:
    """The single scope as an AADv1 resource (``.../.default`` loses its suffix)."""
    if len(scopes) != 1:
        raise ValueError("This credential requires exactly one scope per token request.")
    scope = scopes[0]
    return scope[: -len("/.default")] if scope.endswith("/.default") else scope


def encode_claims(claims: str) -> str:
    """Claims as the tools take them: base64 of the UTF-8 JSON."""
    return base64.b64encode(claims.encode("utf-8")).decode("ascii")


# ------------------------------------------------------------------------------------------ redaction

_REDACTIONS = (
    (
        re.compile(r"(\"(?:accessToken|access_token|token|refreshToken|refresh_token)\"\s*:\s*\")[^\"]*(\"?)"),
        r"\1****\2",
    ),
    (re.compile(r"azsdk%[^%\s]*%"), "azsdk%****%"),
    (re.compile(r"eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}"), "****"),
    (re.compile(r"(?i)(bearer\s+)\S+"), r"\1****"),
    (re.compile(r"[A-Za-z0-9+/_=-]{48,}"), "****"),
)
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[^\S\n]+|[\x00-\x08\x0b-\x1f\x7f]")


def redact(text: str, limit: int = MAX_ERROR_TEXT) -> str:
    """``text`` with anything token-like replaced by ``****``, colours and control characters removed, blank
    lines dropped, and at most ``limit`` characters kept."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    text = _CONTROL.sub(lambda m: "" if m.group().startswith("\x1b") or not m.group().isspace() else " ", text)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if len(text) > limit:
        text = text[:limit].rstrip() + f" ... ({len(text) - limit} more characters)"
    return text


# ------------------------------------------------------------------------------------------ expiry and tokens


def token_info(token: object, expires_on: int, tool: str) -> AccessTokenInfo:
    """A redacted-repr ``AccessTokenInfo``; ``ClientAuthenticationError`` when the token is not a plain string."""
    if not isinstance(token, str) or not token or not token.isprintable():
        raise ClientAuthenticationError(message=f"Unexpected output from {tool}: the token is missing or not text")
    return RedactedAccessTokenInfo(token, expires_on)


def parse_epoch(value: object) -> int | None:
    """Seconds since the epoch given as a number or a string of digits; ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_local_time(value: object) -> int | None:
    """A naive local date-time as the Azure CLI prints ``expiresOn`` (``2024-05-01 13:45:00.123456``)."""
    if not isinstance(value, str):
        return None
    for layout in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return int(datetime.strptime(value.strip(), layout).timestamp())
        except ValueError:
            continue
    return None


def parse_utc_time(value: object) -> int | None:
    """An ISO 8601 date-time; one without an offset (or with ``Z``) is UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def describe_output(stdout: str) -> str:
    """What a tool printed, without printing it: its size."""
    size = len(stdout.encode("utf-8", "replace"))
    return "nothing" if not stdout.strip() else f"{size} bytes"


# ------------------------------------------------------------------------------------------ the flow


def tool_flow(
    tool: Tool,
    executable: str | None,
    request: ToolRequest,
    *,
    timeout: float,
    environ: Mapping[str, str],
    cwd: str | None,
) -> Flow[AccessTokenInfo]:
    """Run ``tool`` once for ``request`` and return its token.

    ``CredentialUnavailableError`` when the tool is missing, cannot run, times out or says it has no signed-in
    account, or for a claims challenge the tool cannot take (the message is the re-login command);
    ``ClientAuthenticationError`` for any other failure. Neither ever contains the tool's stdout.
    """
    if request.claims and tool.claims_hint is not None:
        raise CredentialUnavailableError(message=tool.claims_hint(request.claims, request))
    if executable is None:
        raise CredentialUnavailableError(message=tool.not_found)
    argv = tool.argv(executable, request)
    env = {**environ, **(tool.env or {})}
    try:
        result = yield RunProcess(argv, timeout, env=env, cwd=cwd)
    except TimeoutError:
        raise CredentialUnavailableError(
            message=f"{tool.name} did not answer within {timeout:g} seconds and was stopped (with every process it"
            f" started). Raise the limit with {tool.credential}(process_timeout=...) or the configuration key"
            f" 'process_timeout'. See {tool.troubleshoot_url}"
        ) from None
    except FileNotFoundError:
        raise CredentialUnavailableError(message=tool.not_found) from None
    except ProcessOutputTooLarge:
        raise ClientAuthenticationError(
            message=f"{tool.name} wrote more output than a token reply can be, and was stopped. See"
            f" {tool.troubleshoot_url}"
        ) from None
    except OSError as exc:
        raise CredentialUnavailableError(
            message=f"Failed to execute '{argv[0]}': {exc.strerror or type(exc).__name__}"
        ) from None
    if result.returncode != 0:
        raise tool.classify(result)
    return tool.parse(result)
