"""A real browser for the tests: Debian's chromium, headless, driven by Playwright (never a downloaded build).

``python headless_browser.py <plan.json> <url>``: as ``BROWSER`` for InteractiveBrowserCredential (the URL is the
authorize URL) or from a device-code prompt (the URL is the verification page; the plan has the user code). It
fills the emulator's pages as a person would and logs the final page's text to ``plan["log"]``.
"""

from __future__ import annotations

import json
import sys
import tempfile

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as file:
        plan = json.load(file)
    url = sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="azauth-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            ignore_https_errors=True,  # the emulator's CA is the test's own
        )
        try:
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url)
            if plan.get("user_code"):  # the device-code verification page
                page.fill("#user_code", plan["user_code"])
                page.click("#next")
            page.fill("#username", plan["username"])
            page.fill("#password", plan["password"])
            page.click("#accept")
            if plan.get("otp"):
                page.fill("#otp", plan["otp"])
                page.click("#verify")
            page.wait_for_selector("text=close this window")
            text = page.inner_text("body")
        finally:
            context.close()
    with open(plan["log"], "a", encoding="utf-8") as file:
        file.write(json.dumps({"url": url, "page": text}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
