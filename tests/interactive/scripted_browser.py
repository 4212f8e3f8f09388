"""A scripted browser for the tests: ``BROWSER="python scripted_browser.py <plan.json> %s"``.

It does what a person does in a browser, over real HTTP: opens the authorize URL, fills the emulator's sign-in page
(username, password, the MFA code if asked), accepts or declines, and follows the redirect to the credential's
loopback listener. The plan (a JSON file) says who signs in and how; every launch is logged to ``plan["log"]``.
"""

from __future__ import annotations

import html
import json
import re
import sys
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

HIDDEN = re.compile(r"<input type='hidden' name='([^']*)' value='([^']*)'>")
ACTION = re.compile(r"<form method='post' action='([^']*)'")


def log(plan: dict[str, Any], entry: dict[str, Any]) -> None:
    with open(plan["log"], "a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")


def submit(session: requests.Session, base: str, page: str, fields: dict[str, str]) -> requests.Response:
    action = ACTION.search(page)
    assert action is not None, "no form on the page"
    data = {html.unescape(k): html.unescape(v) for k, v in HIDDEN.findall(page)}
    data.update(fields)
    url = base + html.unescape(action.group(1))
    return session.post(url, data=data, allow_redirects=False, timeout=10, verify=session.verify)


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as file:
        plan = json.load(file)
    url = sys.argv[2]
    log(plan, {"url": url})
    if plan.get("behaviour") == "ignore":  # the user walks away
        return 0
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    session = requests.Session()
    session.verify = plan["ca"]
    reply = session.get(url, allow_redirects=False, timeout=10, verify=plan["ca"])  # (not REQUESTS_CA_BUNDLE)
    if reply.status_code == 200:
        action = "decline" if plan.get("behaviour") == "decline" else "accept"
        fields = {"username": plan["username"], "password": plan["password"], "action": action}
        reply = submit(session, base, reply.text, fields)
        if reply.status_code == 200 and "id='otp'" in reply.text:
            reply = submit(session, base, reply.text, {"otp": plan.get("otp", ""), "action": "accept"})
    if reply.status_code != 302:
        log(plan, {"stuck": reply.status_code})
        return 1
    location = reply.headers["Location"]
    if plan.get("behaviour") == "tamper":  # a forged redirect first: wrong state, then a wrong path
        target = urlsplit(location)
        query = dict(parse_qsl(target.query))
        forged = urlunsplit(target._replace(query=urlencode({**query, "state": "forged"})))
        log(plan, {"forged_state": requests.get(forged, timeout=10).status_code})
        elsewhere = urlunsplit(target._replace(path="/elsewhere"))
        log(plan, {"forged_path": requests.get(elsewhere, timeout=10).status_code})
    final = requests.get(location, timeout=10)
    log(plan, {"redirect": final.status_code, "page": final.text})
    return 0


if __name__ == "__main__":
    sys.exit(main())
