"""A curator in a real browser: uploads a big file, watches the check's progress bar reach done, confirms, and sees
the import written — by the real database worker, running beside the live server as `make run` runs it.

Screenshots go to tests/screenshots/ for a person to look at.
"""

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connections

from claims.models import Figure
from tests.roles import role
from tests.test_browser_csp import CHROMIUM, browser_page  # noqa: F401 - a fixture used below

SCREENSHOTS = Path(__file__).parent / "screenshots"
ROWS = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed"),
    pytest.mark.django_db(transaction=True),  # the live server and the worker need committed rows
]


def big_file(path: Path) -> Path:
    lines = ["source,metric,subject,period_start,value_text,note"]
    first = date(1950, 1, 1)
    lines += [f"zhanaozen-report,death-toll,zhanaozen-2011,{first + timedelta(days=n)},16,day {n}" for n in range(ROWS)]
    path.write_text("\n".join(lines) + "\n")
    return path


def work_in_background(run_worker) -> threading.Thread:
    def work():
        try:
            run_worker()
        finally:
            # This thread's own connection: left open, it kept PostgreSQL from dropping the test database.
            connections.close_all()

    thread = threading.Thread(target=work, name="db_worker")
    thread.start()
    return thread


def test_a_curator_watches_the_check_then_confirms_and_sees_the_import(live_server, browser_page, reference_data,  # noqa: F811
                                                                       run_worker, tmp_path):
    page = browser_page
    SCREENSHOTS.mkdir(exist_ok=True)
    curator = User.objects.create_user("curator", password="pw-for-browser-tests", is_staff=True)
    curator.groups.add(role("Curator"))
    page.goto(f"{live_server.url}/admin/login/?next=/admin/claims/figure/import/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "pw-for-browser-tests")
    page.get_by_role("button", name="Log in").click()

    page.set_input_files("#id_file", str(big_file(tmp_path / "twenty-thousand.csv")))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_selector("#job-bar")
    assert "waiting for a worker" in page.locator("#job-progress").inner_text()
    page.screenshot(path=SCREENSHOTS / "job-1-queued.png", full_page=True)

    worker = work_in_background(run_worker)
    seen_running = False
    while worker.is_alive():  # the page's script moves the bar while the worker checks the rows
        value = page.evaluate("(document.getElementById('job-bar') || {}).value || 0")
        if 0 < value < 100 and not seen_running:
            seen_running = True
            page.screenshot(path=SCREENSHOTS / "job-2-checking.png", full_page=True)
        page.wait_for_timeout(200)
    worker.join()
    confirm = page.get_by_role("button", name="Confirm the import")
    confirm.wait_for(timeout=15_000)  # the script saw the job finish and reloaded the page
    assert page.evaluate("document.getElementById('job-bar').value") == 100
    assert "20,000" in page.locator("#import-counts").inner_text() and not Figure.objects.exists()
    page.screenshot(path=SCREENSHOTS / "job-3-checked.png", full_page=True)

    confirm.click()
    page.wait_for_selector("#job-bar")
    worker = work_in_background(run_worker)
    worker.join()
    page.wait_for_selector("#job-result", timeout=15_000)
    assert "Import #" in page.locator("#job-result").inner_text()
    assert "20,000 new" in page.locator("#job-result").inner_text()
    page.screenshot(path=SCREENSHOTS / "job-4-imported.png", full_page=True)
    assert Figure.objects.count() == ROWS
    page.get_by_role("link", name="My imports").click()
    page.wait_for_selector("#result_list tbody tr")
    assert page.locator("#result_list tbody tr").count() == 2  # the check and the import
    page.screenshot(path=SCREENSHOTS / "job-5-my-imports.png", full_page=True)
    assert not page.problems()  # no CSP violation, no script error


def test_a_reader_asks_for_a_big_spreadsheet_and_downloads_it_when_ready(live_server, browser_page,  # noqa: F811
                                                                         make_figure, make_entity, make_source,
                                                                         run_worker, settings):
    import io

    import openpyxl

    page = browser_page
    settings.EXPORT_SHEET_INLINE_MAX_ROWS = 3
    source = make_source()
    for n in range(1, 6):
        make_figure(source=source, subject=make_entity(f"Place {n}"), value_text=str(n))
    page.goto(f"{live_server.url}/figures/?format=xlsx")
    assert "This selection has 5 rows" in page.locator("#export-offer").inner_text()
    page.screenshot(path=SCREENSHOTS / "export-1-offer.png", full_page=True)
    page.get_by_role("button", name="Prepare it").click()
    page.wait_for_selector("#job-bar")
    page.screenshot(path=SCREENSHOTS / "export-2-preparing.png", full_page=True)
    work_in_background(run_worker).join()
    page.wait_for_selector("#export-ready", timeout=15_000)  # the script saw it finish and reloaded
    page.screenshot(path=SCREENSHOTS / "export-3-ready.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download figures.xlsx").click()
    download = download_info.value
    assert download.suggested_filename == "figures.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert len(list(sheet.values)) == 6  # the header and five figures
    assert not page.problems()
