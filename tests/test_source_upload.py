"""A source's text in the admin: pasted, or read from an uploaded .txt, .html or .pdf, with the file's title,
author and date where the curator left them empty, and the repeated paragraphs named on its page."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sources.models import Source
from tests.test_ingest import STATEMENT, tiny_pdf

ADD = "admin:sources_source_add"


def source_form(**fields) -> dict:
    data = {"title": "", "slug": "", "kind": "article", "authors": "", "status": "draft", "reliability": "F",
            "published_precision": "unknown", "language": "en", "text": "", "note": "", "url": "",
            "archived_url": "", "claims-TOTAL_FORMS": 0, "claims-INITIAL_FORMS": 0, "figures-TOTAL_FORMS": 0,
            "figures-INITIAL_FORMS": 0}
    data.update(fields)
    return data


def test_a_pdf_upload_gives_the_text_title_author_and_a_slug(client, curator):
    client.force_login(curator)
    upload = SimpleUploadedFile("report.pdf", tiny_pdf(STATEMENT, title="Zhanaozen report", author="A. Author"))
    response = client.post(reverse(ADD), source_form(upload=upload))
    assert response.status_code == 302, response.context["adminform"].form.errors
    source = Source.objects.get()
    assert (source.title, source.authors, source.slug) == ("Zhanaozen report", "A. Author", "zhanaozen-report")
    assert "more than 70 dead" in source.text


def test_what_the_curator_typed_wins_over_the_file(client, curator):
    client.force_login(curator)
    upload = SimpleUploadedFile("report.pdf", tiny_pdf(STATEMENT, title="Zhanaozen report", author="A. Author"))
    client.post(reverse(ADD), source_form(title="My title", slug="mine", upload=upload))
    source = Source.objects.get()
    assert (source.title, source.authors, source.slug) == ("My title", "A. Author", "mine")


def test_an_unreadable_file_is_a_form_error_and_nothing_is_saved(client, curator):
    client.force_login(curator)
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4 broken")
    response = client.post(reverse(ADD), source_form(title="Report", upload=upload))
    assert response.status_code == 200
    assert "report.pdf is a broken PDF" in response.context["adminform"].form.errors["upload"][0]
    assert not Source.objects.exists()


def test_a_word_document_is_refused_by_name(client, curator):
    client.force_login(curator)
    upload = SimpleUploadedFile("report.docx", b"PK\x03\x04...")
    response = client.post(reverse(ADD), source_form(title="Report", upload=upload))
    assert "factbase reads .txt, .html and .pdf files" in response.context["adminform"].form.errors["upload"][0]


def test_without_a_title_or_a_file_that_names_one_the_form_says_so(client, curator):
    client.force_login(curator)
    response = client.post(reverse(ADD), source_form(text="Officials said 16 died."))
    assert "This field is required" in response.context["adminform"].form.errors["title"][0]
    assert not Source.objects.exists()


def test_a_pasted_text_with_a_title_and_no_slug_gets_one(client, curator):
    client.force_login(curator)
    Source.objects.create(slug="report", title="Report", text="x")
    client.post(reverse(ADD), source_form(title="Report", text="Officials said 16 died."))
    assert Source.objects.filter(slug="report-2", text="Officials said 16 died.").exists()


def test_the_source_page_warns_of_repeated_paragraphs(client, curator):
    client.force_login(curator)
    paragraph = "Officials said 16 people died in Zhanaozen, activists more than 70.\n"
    source = Source.objects.create(slug="twice", title="Twice", text=paragraph + "Other.\n" + paragraph)
    page = client.get(reverse("admin:sources_source_change", args=[source.pk])).content.decode()
    assert "Warning: 1 paragraphs" in page
    assert "repeat an earlier one word for word" in page


def test_the_browsers_crlf_line_breaks_leave_a_text_and_its_anchors_as_stored(client, curator, make_figure):
    client.force_login(curator)
    figure = make_figure()
    source = figure.source
    source.text = "Officials said:\n16 people died.\n"
    source.save()
    figure.value_text = "16"
    figure.anchor()
    figure.save()
    page = client.get(reverse("admin:sources_source_change", args=[source.pk]))
    from tests.test_admin import page_data

    data = {**page_data(page), "text": source.text.replace("\n", "\r\n"), "title": "Renamed"}
    assert client.post(reverse("admin:sources_source_change", args=[source.pk]), data).status_code == 302
    source.refresh_from_db()
    assert (source.title, source.text) == ("Renamed", "Officials said:\n16 people died.\n")


def test_a_pasted_text_keeps_its_line_breaks_not_the_browsers(client, curator):
    client.force_login(curator)
    client.post(reverse(ADD), source_form(title="Pasted", text="One.\r\n\r\nTwo."))
    assert Source.objects.get().text == "One.\n\nTwo."
