"""The user grants, the pipelines OIDC request and token-file reading, driven by hand (no network)."""

from __future__ import annotations

import base64
import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from azauth import CredentialUnavailableError
from azauth._core.workload_identity import REREAD_AFTER, read_token_file
from azauth._protocol import pipelines, user_grants
from azauth._protocol.steps import Reply, Send

URL = "https://login.example/tenant/oauth2/v2.0/token"


def reply(status: int, body: object, content_type: str = "application/json") -> Reply:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Reply(status, {"Content-Type": content_type}, data)


def drive(flow: Generator[Any, Any, Any], answer: Reply) -> tuple[Send, Any]:
    step = next(flow)
    assert isinstance(step, Send)
    with pytest.raises(StopIteration) as done:
        flow.send(answer)
    return step, done.value.value


def b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_on_behalf_of_form() -> None:
    flow = user_grants.on_behalf_of(
        URL,
        "client",
        ["https://graph/.default"],
        user_assertion="user-jwt",
        client=user_grants.ClientAuth(assertion=lambda audience: f"signed-for:{audience}"),
        now=lambda: 1000.0,
    )
    step, answer = drive(flow, reply(200, {"access_token": "at", "expires_in": 3600}))
    info = answer.info
    assert step.request.content == {
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "client_id": "client",
        "scope": "https://graph/.default",
        "assertion": "user-jwt",
        "requested_token_use": "on_behalf_of",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": f"signed-for:{URL}",
    }
    assert (info.token, info.expires_on) == ("at", 4600)


def test_authorization_code_reply_carries_refresh_token_and_account() -> None:
    flow = user_grants.authorization_code(
        URL,
        "client",
        ["https://graph/User.Read"],
        code="the-code",
        redirect_uri="http://localhost/cb",
        client=user_grants.ClientAuth(secret="s"),
        now=lambda: 0.0,
    )
    id_token = "h." + b64({"oid": "o", "tid": "t", "preferred_username": "a@b"}) + ".s"
    body = {
        "access_token": "at",
        "expires_in": 60,
        "refresh_token": "rt",
        "id_token": id_token,
        "client_info": b64({"uid": "u", "utid": "ut"}),
    }
    step, result = drive(flow, reply(200, body))
    assert step.request.content["scope"].split() == ["https://graph/User.Read", "offline_access", "openid", "profile"]
    assert step.request.content["client_secret"] == "s"
    assert result.refresh_token == "rt"
    assert result.account == user_grants.Account("u.ut", "a@b", "ut")
    assert "'rt'" not in repr(result) and "'at'" not in repr(result)
    assert repr(user_grants.ClientAuth(secret="s3cr3t")) == "ClientAuth()"


def test_account_without_client_info_falls_back_to_the_id_token() -> None:
    id_token = "h." + b64({"oid": "o", "tid": "t", "upn": "u@x"}) + ".s"
    assert user_grants.account_from({"id_token": id_token}) == user_grants.Account("o.t", "u@x", "t")
    assert user_grants.account_from({"id_token": "garbage"}) == user_grants.Account(None, None, None)


def test_password_grant_is_a_public_client_request() -> None:
    flow = user_grants.password(URL, "client", ["https://x/.default"], username="u", user_password="p", now=lambda: 0)
    step, _ = drive(flow, reply(200, {"access_token": "at", "expires_in": 60}))
    assert step.request.content["grant_type"] == "password"
    assert "client_secret" not in step.request.content


def test_pipelines_oidc_request_and_reply() -> None:
    flow = pipelines.oidc_token("https://dev.azure.com/org/oidctoken/", "conn id", "system-token")
    step, token = drive(flow, reply(200, {"oidcToken": " jwt "}))
    assert step.request.url == "https://dev.azure.com/org/oidctoken?api-version=7.1&serviceConnectionId=conn%20id"
    assert step.request.headers["Authorization"] == "Bearer system-token"
    assert step.request.headers["X-TFS-FedAuthRedirect"] == "Suppress"
    assert token == "jwt"


def test_pipelines_errors_never_echo_the_access_token() -> None:
    flow = pipelines.oidc_token("https://dev.azure.com/org/oidctoken", "conn", "system-token")
    next(flow)
    echoed = reply(400, {"message": "Bad token system-token for connection conn"})
    with pytest.raises(ClientAuthenticationError) as caught:
        flow.send(echoed)
    message = str(caught.value)
    assert "system-token" not in message
    assert "HTTP 400" in message and "Bad token *** for connection conn" in message


def test_token_file_is_reused_until_it_changes_or_ages(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("first\n")
    first = read_token_file(str(path), None, now=0.0)
    assert first.assertion == "first" and "first" not in repr(first)
    assert read_token_file(str(path), first, now=10.0) is first
    assert read_token_file(str(path), first, now=REREAD_AFTER + 1) is not first
    assert read_token_file(str(path), first, now=10.0, force=True) is not first
    path.write_text("second, longer\n")
    assert read_token_file(str(path), first, now=10.0).assertion == "second, longer"


def test_token_file_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CredentialUnavailableError, match="not text"):
        read_token_file(str(path), None, now=0.0)
