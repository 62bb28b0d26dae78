"""Every filtered view has one clean address, and a wrong address or a failure still looks like factbase."""

from django.template.loader import get_template
from django.test import override_settings


def test_a_filter_form_full_of_empty_fields_redirects_to_the_clean_address(client, db):
    response = client.get("/figures/?q=&metric=&status=&value_min=&sort=&source=&source=x")
    assert response.status_code == 302
    assert response["Location"] == "/figures/?source=x"


def test_a_form_with_nothing_filled_in_redirects_to_the_bare_list(client, db):
    for path in ("/claims/", "/sources/", "/compare/"):
        response = client.get(f"{path}?q=+&sort=")
        assert response.status_code == 302 and response["Location"] == path


def test_a_clean_address_is_served_as_it_is(client, db):
    assert client.get("/figures/?conflicting=1").status_code == 200


@override_settings(DEBUG=False)
def test_an_unknown_address_gets_a_404_page_in_the_site_layout(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Nothing here" in page and 'class="site"' in page and "Search the figures" in page


def test_the_500_page_renders_without_a_request_or_a_database():
    # django.views.defaults.server_error renders it with an empty context: no request, no query.
    page = get_template("500.html").render()
    assert "Something went wrong" in page and "factbase.css" in page and 'href="/figures/"' in page
