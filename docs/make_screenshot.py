"""Take the README screenshot of the Chat tab from a running server (``make run`` first).

Usage: .venv/bin/python docs/make_screenshot.py --user NAME --password PW [--url http://127.0.0.1:7860]
       [--out docs/img/chat.png]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--out", type=Path, default=Path("docs/img/chat.png"))
    parser.add_argument("--message", default="来週の定例会議の議題案を3つ作ってください。")
    parser.add_argument("--user", required=True, help="an account to sign in with (any role)")
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP")
        page.goto(args.url, wait_until="domcontentloaded")
        page.locator("input[data-testid=textbox]").first.fill(args.user)  # Gradio's sign-in form
        page.locator("input[type=password]").fill(args.password)
        page.get_by_role("button", name=re.compile(r"^\s*(Login|ログイン)\s*$")).click()
        expect(page.locator("#so8t-user [data-user]")).to_have_text(args.user, timeout=60_000)
        page.locator("#so8t-message textarea").fill(args.message)
        page.locator("#so8t-send").click()
        expect(page.locator("#so8t-details")).to_contain_text("request_id", timeout=180_000)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=True)
        browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
