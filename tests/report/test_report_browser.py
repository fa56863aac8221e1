"""The report in headless Chromium (file://, no server): no console errors, every figure loads,
the transcript filters count right, "show more" pages, and model text stays text."""

import shutil
from pathlib import Path

import factory
import pytest

from rhlab.experiments.store import Store
from rhlab.report import write_report

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def _driver():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    binary = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    driver_path = CHROMEDRIVER if CHROMEDRIVER.exists() else shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.skip("chromium and chromedriver are needed for the browser test (not found)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(binary)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(str(driver_path)), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = _driver()
    yield driver
    driver.quit()


def by_id(driver, id_):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, id_)


def choose(driver, id_, value):
    from selenium.webdriver.support.ui import Select

    Select(by_id(driver, id_)).select_by_value(value)


def count(driver, id_) -> int:
    return int(by_id(driver, id_).get_attribute("data-count"))


def items(driver, css) -> int:
    from selenium.webdriver.common.by import By

    return len(driver.find_elements(By.CSS_SELECTOR, css))


def severe(driver) -> list:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def no_alert(driver) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        return driver.switch_to.alert is None
    except NoAlertPresentException:
        return True


def test_page_figures_and_filters(browser, complete):
    exp, index = complete
    browser.get(index.as_uri())
    assert severe(browser) == []
    imgs = browser.find_elements("tag name", "img")
    assert len(imgs) == 5
    for img in imgs:
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 0, \
            img.get_attribute("src")

    # episodes: every one, then one cell, then a hack kind, then an outcome
    ids = factory.cell_ids()
    okay = factory.episodes(exp, ids["okay_none"])
    everything = sum(len(factory.episodes(exp, cid)) for cid in ids.values())
    assert count(browser, "ep-count") == everything == items(browser, "#ep-list .episode")
    choose(browser, "ep-cell", ids["okay_none"])
    assert count(browser, "ep-count") == len(okay) == items(browser, "#ep-list .episode")
    choose(browser, "ep-kind", "exit_code")
    expected = [e for e in okay if "exit_code" in e["hack"]["kinds"]]
    assert 0 < len(expected) < len(okay)
    assert count(browser, "ep-count") == len(expected) == items(browser, "#ep-list .episode")
    choose(browser, "ep-outcome", "successful")
    assert count(browser, "ep-count") == sum(e["hack"]["successful"] for e in expected)
    choose(browser, "ep-kind", "none")
    choose(browser, "ep-outcome", "clean")
    clean = [e for e in okay if not e["hack"]["kinds"] and not e["hack"]["attempted"]]
    assert count(browser, "ep-count") == len(clean) > 0
    choose(browser, "ep-outcome", "")
    choose(browser, "ep-kind", "")
    choose(browser, "ep-step", "4")
    assert count(browser, "ep-count") == factory.EPISODES_PER_STEP
    assert "4 matching episodes" in by_id(browser, "ep-count").text

    # eval samples
    by_id(browser, "tab-samples").click()
    assert by_id(browser, "episodes").get_attribute("hidden") is not None
    with Store.open(exp) as store:
        samples = store.eval_samples()
    assert count(browser, "sm-count") == len(samples) == items(browser, "#sm-list .sample")
    choose(browser, "sm-label", "misaligned")
    assert count(browser, "sm-count") == (samples.label == "misaligned").sum() > 0
    choose(browser, "sm-cell", ids["dont_none"])
    choose(browser, "sm-step", "6")
    mine = samples[(samples.cell_id == ids["dont_none"]) & (samples.step == 6)]
    assert count(browser, "sm-count") == (mine.label == "misaligned").sum()
    choose(browser, "sm-label", "unscored")
    assert count(browser, "sm-count") == 2 == items(browser, "#sm-list .sample")
    choose(browser, "sm-label", "")
    choose(browser, "sm-eval", "goals")
    assert count(browser, "sm-count") == (mine["eval"] == "goals").sum() == 2
    choose(browser, "sm-cell", "base")
    choose(browser, "sm-step", "0")
    assert count(browser, "sm-count") == ((samples.cell_id == "base") & (samples["eval"] == "goals")).sum()
    assert severe(browser) == []


def test_model_text_stays_text(browser, complete):
    _, index = complete
    browser.get(index.as_uri())
    choose(browser, "ep-cell", factory.cell_ids()["okay_none"])
    choose(browser, "ep-step", "4")
    shown = browser.execute_script(
        "return [...document.querySelectorAll('#ep-list pre')].map(p => p.textContent)")
    assert any(factory.ADVERSARIAL in text for text in shown)
    by_id(browser, "tab-samples").click()
    choose(browser, "sm-label", "misaligned")
    answers = browser.execute_script(
        "return [...document.querySelectorAll('#sm-list pre')].map(p => p.textContent)")
    assert any(factory.ADVERSARIAL_EVAL in text for text in answers)
    assert items(browser, "#ep-list img, #sm-list img, #ep-list script, #sm-list script") == 0
    assert no_alert(browser)
    assert severe(browser) == []


def test_show_more_and_cap_note(browser, tmp_path):
    exp = factory.build_experiment(tmp_path / "exp", None, only=("okay_none",), episodes_per_step=45)
    index = write_report(exp, episodes_per_step=40)
    browser.get(index.as_uri())
    assert count(browser, "ep-count") == 240 and items(browser, "#ep-list .episode") == 200
    assert "240 matching episodes (showing the first 200)" in by_id(browser, "ep-count").text
    assert "Capped: 240 of 270 episodes" in by_id(browser, "ep-cap").text
    by_id(browser, "ep-more").click()
    assert items(browser, "#ep-list .episode") == 240
    assert not by_id(browser, "ep-more").is_displayed()
    by_id(browser, "tab-samples").click()
    assert count(browser, "sm-count") == 0
    assert severe(browser) == []
