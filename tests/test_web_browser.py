"""The web view in a real browser: what a person sees in headless Chromium.

HTTP tests (``test_web.py``) check the HTML; this checks what the browser makes of it:
the curated rows on the page, a facet that filters when clicked, a chart that loads as
an image. It drives Debian's ``chromium`` through ``chromium-driver`` with selenium,
against the real server on 127.0.0.1, and saves a screenshot of each page: into a
temporary folder, or into the folder ``SCALEBOT_SCREENSHOTS`` names. The README's is
taken with ``SCALEBOT_SCREENSHOTS=docs``, so a test run never changes the checkout.

``.ci/run`` installs both packages, so this runs in CI; on a machine without them the
tests are skipped with the reason (``SCALEBOT_REQUIRE_BROWSER=1``, as ``.ci/run`` sets,
makes that an error instead).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from knowledge.kb import Library
from tests.helpers import MODERATOR
from tests.hostile_stack import (
    DATASET,
    FIELD_NAME,
    NOTE,
    PENDING_DATASET,
    PENDING_NOTE,
    SCRIPT_FLAGS,
    hostile_ledger,
)
from tests.web_stack import APPROVED, Site, community_ledger, serving

#: Where screenshots go (set per session by the ``screenshots`` fixture).
SHOTS: dict[str, Path] = {}
#: Wide enough for the table's main columns, tall enough for the facets and first rows.
WINDOW = (1280, 900)
#: Every wait on the browser is bounded.
WAIT = 20


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


FOUND = _chromium()
#: Set by ``.ci/run``, which installs Chromium: there a missing browser fails the run.
REQUIRED = os.environ.get("SCALEBOT_REQUIRE_BROWSER") == "1"
if FOUND is None and REQUIRED:
    raise RuntimeError("SCALEBOT_REQUIRE_BROWSER=1 but chromium or chromedriver is missing")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        FOUND is None,
        reason="headless Chromium is not installed: the browser tests need Debian's "
        "`chromium` and `chromium-driver` (sudo apt-get install -y chromium chromium-driver; "
        ".ci/run installs them)",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("browser") / "scalebot.db"
    community_ledger(path)
    with serving(Settings(db=path, moderators=frozenset({MODERATOR}))) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert FOUND is not None
    binary, driver_path = FOUND
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-extensions",
        "--no-first-run",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    # The paths are given, so selenium never looks for (or downloads) a driver.
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(browser: Any, condition: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT).until(condition)


def open_page(browser: Any, url: str) -> None:
    """Load ``url`` and wait for it, trying again (at most twice) on Chromium's error page.

    On a busy CI machine Chromium can show its own error page (``chrome-error://``, no links)
    for a connection the local server was slow to accept; that page is not ours to test.
    """
    for _ in range(3):
        browser.get(url)
        wait_for(browser, lambda b: b.execute_script("return document.readyState") == "complete")
        if not browser.current_url.startswith("chrome-error:"):
            return
    body = browser.find_element("tag name", "body").text[:300]
    raise AssertionError(f"Chromium could not load {url}: {body}")


@pytest.fixture(scope="module", autouse=True)
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``SCALEBOT_SCREENSHOTS`` (``docs`` refreshes the README's), else a temporary folder."""
    asked = os.environ.get("SCALEBOT_SCREENSHOTS")
    folder = Path(asked) if asked else tmp_path_factory.mktemp("screenshots")
    SHOTS["folder"] = folder
    return folder


def screenshot(browser: Any, name: str, height: int = WINDOW[1]) -> Path:
    """The page as a person sees it, ``height`` pixels of it (more than the window shows)."""
    folder = SHOTS["folder"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    browser.set_window_size(WINDOW[0], height)
    try:
        assert browser.save_screenshot(str(path)), f"no screenshot saved at {path}"
    finally:
        browser.set_window_size(*WINDOW)
    assert path.stat().st_size > 10_000, f"{path} is nearly empty"
    return path


def column(browser: Any, name: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, f"td.col-{name}")]


def image_loaded(browser: Any, css: str) -> bool:
    """Whether the ``img`` at ``css`` has finished loading and decoded to real pixels."""
    return bool(
        browser.execute_script(
            "const img = document.querySelector(arguments[0]);"
            "return img !== null && img.complete && img.naturalWidth > 0;",
            css,
        )
    )


def test_the_home_page_introduces_the_ledger(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, site.base + "/")
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert heading == "scalebot: the community ledger of AI dataset sizes"
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")}
    for slug, domain in Library.load().domains.items():
        assert links.get(domain.name, "").endswith(f"/ledger/current_figures?domain={slug}")
    assert "Charts" in links
    screenshot(browser, "web-home.png", height=600)


def test_a_field_s_current_figures_with_a_working_facet(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown

    open_page(browser, site.base + "/ledger/current_figures?domain=video")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Current figures")
    datasets = column(browser, "dataset")
    # The curated rows, as a person reads them: names, short figures, their sources.
    assert {"InternVid", "HowTo100M", "Panda-70M", APPROVED[0]} <= set(datasets)
    assert set(column(browser, "domain")) == {"video"}
    internvid = datasets.index("InternVid")
    assert column(browser, "value")[internvid] == "760K"
    assert column(browser, "unit")[internvid] == "hours"
    value_link = browser.find_elements(By.CSS_SELECTOR, "td.col-value a")[internvid]
    assert value_link.get_attribute("href") == "https://arxiv.org/abs/2307.06942"
    screenshot(browser, "web-current-figures.png", height=1400)

    units = set(column(browser, "unit"))
    assert {"hours", "clips"} <= units
    facet = browser.find_element(
        By.CSS_SELECTOR, '.facet-info[data-column="unit"] a[href*="unit=hours"]'
    )
    facet.click()
    wait_for(browser, shown.url_contains("unit=hours"))
    wait_for(browser, lambda b: set(column(b, "unit")) == {"hours"})
    assert "InternVid" in column(browser, "dataset")
    assert set(column(browser, "domain")) == {"video"}
    # The applied facet shows as a filter a person can remove.
    assert browser.find_elements(By.CSS_SELECTOR, '.facet-info[data-column="unit"] a.cross')


def test_a_chart_loads_as_an_image(site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, site.base + "/-/charts")
    wait_for(browser, lambda b: image_loaded(b, "#compare img"))
    browser.execute_script("document.querySelector('#video img').scrollIntoView()")
    wait_for(browser, lambda b: image_loaded(b, "#video img"))
    width = browser.execute_script("return document.querySelector('#video img').naturalWidth")
    assert width == 960
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "web-charts.png", height=1500)

    open_page(browser, site.base + "/-/charts/3d.png")
    wait_for(browser, lambda b: image_loaded(b, "img"))
    assert browser.find_element(By.TAG_NAME, "img").get_attribute("src").endswith("/3d.png")


# -- markup members typed stays text --------------------------------------------------------

#: The pages that show a hostile field's name, datasets and notes (tests/hostile_stack.py).
HOSTILE_PAGES = (
    "/",
    "/-/charts",
    "/ledger/current_figures?domain=xss",
    "/ledger/figures?domain=xss",
    "/ledger/datasets?domain=xss",
    "/ledger/pending_review",
    "/ledger/current_by_field?field=xss",
    "/ledger/growth_record?field=xss",
    "/ledger/dataset_history?name=%3Cimg+src%3Dx+onerror%3Dwindow.pwnedDataset%3D1%3E",
)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("hostile-browser") / "scalebot.db"
    hostile_ledger(path)
    with serving(Settings(db=path, moderators=frozenset({MODERATOR}))) as running:
        yield running


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_scripts_in_names_and_notes_do_not_run(hostile_site: Site, browser: Any, path: str) -> None:
    """Each script would set its window variable (or alert): none may run on any page."""
    from selenium.common.exceptions import NoAlertPresentException

    open_page(browser, hostile_site.base + path)
    # The load event waits for every image, the broken ``src=x`` ones included, so an
    # ``onerror`` would have run by now; the scripts run as the page is parsed.
    wait_for(browser, lambda b: b.execute_script("return document.readyState") == "complete")
    ran = browser.execute_script(
        "return arguments[0].filter(name => window[name] !== undefined);", list(SCRIPT_FLAGS)
    )
    assert ran == [], f"{path} ran the script that sets {ran}"
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 (reading it is the check)


def test_the_hostile_field_s_name_reads_as_text(hostile_site: Site, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, hostile_site.base + "/")
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")}
    page = f"{browser.current_url}: {browser.find_element(By.TAG_NAME, 'body').text[:300]!r}"
    assert links.get(FIELD_NAME, "").endswith("/ledger/current_figures?domain=xss"), page
    open_page(browser, hostile_site.base + "/ledger/figures?domain=xss")
    assert {DATASET, PENDING_DATASET} <= set(column(browser, "dataset"))
    assert {NOTE, PENDING_NOTE} <= set(column(browser, "note"))
