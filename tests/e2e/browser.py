"""A real headless browser (Debian's chromium through Selenium) that records every request it sends."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from shared.config import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / ".nscl" / "screenshots"
LOCAL_SCHEMES = {"data", "blob", "about"}
DOCUMENT_REPLACED = "does not belong to the document"  # chromedriver: a node of a document since replaced


def chromium_paths() -> tuple[str, str]:
    """Chromium and its driver; missing ones skip the test on a developer's machine and fail it in CI."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        message = "chromium and chromedriver are needed (./dev test installs them as root on Debian)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary, driver


class Browser:
    def __init__(self, base_url: str, width: int = 1366, height: int = 900) -> None:
        binary, driver_path = chromium_paths()
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={width},{height}", "--no-first-run", "--disable-sync",
                         "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                         "--lang=vi-VN"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(driver_path))
        self.base_url = base_url
        self.requested: list[str] = []

    # ---- pages ---------------------------------------------------------------------------------------------
    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def wait(self, condition, timeout: float = 30, what: str = "") -> None:
        # The page re-renders while it loads: an element read a moment ago may be gone; that is "not yet". So is a
        # document replaced between finding a node and reading it (a window opening its page), which chromedriver
        # reports as an inspector error rather than a stale element.
        def attempt(_) -> bool:
            try:
                return condition()
            except StaleElementReferenceException:
                return False
            except WebDriverException as error:
                if DOCUMENT_REPLACED in str(error):
                    return False
                raise
        WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(attempt, what)

    def wait_ready(self, timeout: float = 30) -> None:
        """The dashboard has rendered an answer (or an error) and is not loading anything."""
        self.wait(lambda: self.script("return document.readyState === 'complete' && !document.body.dataset.loading "
                                      "&& (document.getElementById('content').children.length > 0 "
                                      "|| document.getElementById('status').textContent !== '')"),
                  timeout, "the dashboard to finish rendering")

    def script(self, source: str, *arguments):
        return self.driver.execute_script(source, *arguments)

    def find(self, selector: str) -> WebElement:
        return self.driver.find_element("css selector", selector)

    def find_all(self, selector: str) -> list[WebElement]:
        return self.driver.find_elements("css selector", selector)

    def text(self, selector: str) -> str:
        return self.find(selector).text

    def session_token(self) -> str | None:
        return self.script("return sessionStorage.getItem('nscl_token')")

    # ---- what it sent --------------------------------------------------------------------------------------
    def collect_requests(self) -> list[str]:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])
        return self.requested

    def requests_leaving_the_machine(self) -> list[str]:
        leaving = []
        for url in self.collect_requests():
            parts = urlsplit(url)
            if parts.scheme not in LOCAL_SCHEMES and parts.hostname != "127.0.0.1":
                leaving.append(url)
        return leaving

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def quit(self) -> None:
        self.driver.quit()
