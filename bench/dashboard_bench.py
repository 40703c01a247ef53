"""How long the dashboard takes to show a page in headless chromium, and how many bytes it downloads.

    .venv/bin/python bench/dashboard_bench.py                        # against `./dev run` on the default ports
    .venv/bin/python bench/dashboard_bench.py --base http://127.0.0.1:8104 --tokens .nscl/dev-tokens.json \\
        --department DOST --page "/dashboard/overview?period=2021-2025" --runs 5

Needs a running stack with data (`./dev run` loads the demo). Per run, with the browser cache off: open the
page signed in, wait until the dashboard marks the page rendered (performance mark ``nscl-rendered``), and
read from the browser's resource timing how long that took since navigation and what came over the wire.
Beside it, the API answer alone: the same indicator or view request timed with requests. Prints medians.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.e2e.browser import Browser  # noqa: E402

RENDERED = "return (performance.getEntriesByName('nscl-rendered')[0] || {}).startTime"
BYTES = ("const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];"
         "return [entries.length, entries.reduce((sum, entry) => sum + entry.transferSize, 0)]")


def api_path(page: str) -> tuple[str, dict]:
    parts = urlsplit(page)
    params = {name: values[0] for name, values in parse_qs(parts.query).items()}
    route = parts.path.removeprefix("/dashboard/")
    if route.startswith("views/"):
        return "/api/v1/" + route, params
    return "/api/v1/indicators", {"period": "2021-2025", **params}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8104")
    parser.add_argument("--tokens", default=".nscl/dev-tokens.json")
    parser.add_argument("--department", default="DOST")
    parser.add_argument("--role", default="viewer")
    parser.add_argument("--page", default="/dashboard/overview?period=2021-2025")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    token = json.loads(Path(args.tokens).read_text())["tokens"][args.department][args.role]

    browser = Browser(args.base)
    try:
        browser.driver.execute_cdp_cmd("Network.enable", {})
        browser.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        browser.open("/dashboard/static/dashboard.css")
        browser.script("sessionStorage.setItem('nscl_token', arguments[0])", token)
        rendered, downloads = [], []
        for _ in range(args.runs):
            browser.open(args.page)
            browser.wait(lambda: browser.script(RENDERED) is not None, 120, "the page rendered")
            rendered.append(browser.script(RENDERED) / 1000)
            downloads.append(browser.script(BYTES))
        leaving = browser.requests_leaving_the_machine()
    finally:
        browser.quit()

    path, params = api_path(args.page)
    answers = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = requests.get(args.base + path, params=params, headers={"Authorization": f"Bearer {token}"},
                                timeout=120)
        response.raise_for_status()
        answers.append((time.perf_counter() - started, len(response.content)))

    requests_made, transferred = downloads[-1]
    print(f"page {args.page} as {args.department} {args.role}, {args.runs} runs, browser cache off")
    print(f"  rendered after        median {statistics.median(rendered):.2f} s  (min {min(rendered):.2f}, "
          f"max {max(rendered):.2f})")
    print(f"  downloaded            {transferred / 1024:.0f} KiB in {requests_made} requests")
    print(f"  API {path} alone  median {statistics.median(a for a, _ in answers):.2f} s, "
          f"{answers[-1][1] / 1024:.0f} KiB")
    print(f"  requests leaving 127.0.0.1: {len(leaving)}")


if __name__ == "__main__":
    main()
