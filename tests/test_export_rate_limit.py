"""Downloads are rationed per client address: past EXPORT_RATE_LIMIT in a window, a 429 that says when to come
back; the pages themselves, and other clients, are not affected."""

import pytest

LIMIT = 3


@pytest.fixture(autouse=True)
def small_budget(settings):
    settings.EXPORT_RATE_LIMIT = LIMIT
    settings.EXPORT_RATE_WINDOW = 300


@pytest.mark.parametrize("url", ["/figures/", "/claims/", "/sources/", "/compare/"])
@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "ods"])
def test_the_download_past_the_budget_is_a_429_with_retry_after(client, make_figure, url, fmt):
    make_figure()
    for _ in range(LIMIT):
        assert client.get(url, {"format": fmt}).status_code == 200
    response = client.get(url, {"format": fmt})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 300
    assert "Too many downloads" in response.content.decode()
    assert f"may download {LIMIT} files every 5 minutes" in response.content.decode()


def test_every_format_and_list_draws_on_one_budget(client, make_figure):
    make_figure()
    for url, fmt in [("/figures/", "csv"), ("/claims/", "xlsx"), ("/sources/", "json")]:
        assert client.get(url, {"format": fmt}).status_code == 200
    assert client.get("/figures/", {"format": "ods"}).status_code == 429


def test_pages_are_not_limited(client, make_figure):
    make_figure()
    for _ in range(LIMIT + 1):
        client.get("/figures/", {"format": "csv"})
    for url in ["/", "/figures/", "/claims/", "/sources/", "/compare/", "/api/figures/"]:
        assert client.get(url).status_code == 200, url


def test_another_client_is_not_affected(client, make_figure):
    make_figure()
    for _ in range(LIMIT + 1):
        client.get("/figures/", {"format": "csv"}, REMOTE_ADDR="192.0.2.1")
    assert client.get("/figures/", {"format": "csv"}, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get("/figures/", {"format": "csv"}, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_a_forged_forwarded_for_header_does_not_reset_the_budget(client, make_figure):
    make_figure()  # without trusted proxies X-Forwarded-For is the client's word, and ignored
    for n in range(LIMIT):
        client.get("/figures/", {"format": "csv"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = client.get("/figures/", {"format": "csv"}, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429


def test_the_budget_is_renewed_when_its_window_ends(client, make_figure, monkeypatch):
    make_figure()
    now = [1_000_000_050.0]  # 150 s into a 300 s window
    monkeypatch.setattr("factbase.throttling.time.time", lambda: now[0])
    for _ in range(LIMIT):
        client.get("/figures/", {"format": "csv"})
    response = client.get("/figures/", {"format": "csv"})
    assert response.status_code == 429 and response["Retry-After"] == "150"
    now[0] += 150
    assert client.get("/figures/", {"format": "csv"}).status_code == 200


def test_a_limit_of_zero_turns_it_off(client, make_figure, settings):
    settings.EXPORT_RATE_LIMIT = 0
    make_figure()
    for _ in range(LIMIT + 2):
        assert client.get("/figures/", {"format": "csv"}).status_code == 200
