"""Bounded work per request: bodies larger than the site takes are refused before they are
read, an uploaded file is dropped at its limit (never spooled to disk), and oversized form
data is a 400 with the site's page, never a 500."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from feature_requests.models import Customer

pytestmark = pytest.mark.django_db


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body of an oversized request was read")

    readline = read


@pytest.fixture
def leader(client, cast):
    client.force_login(cast[Role.SALES_LEADER])
    return client


def test_a_body_declared_over_the_limit_is_refused_unread(leader):
    declared = settings.MAX_REQUEST_BYTES + 1
    response = leader.generic(
        "POST",
        reverse("requests:crm_import"),
        b"x",
        content_type="multipart/form-data; boundary=b",
        **{"CONTENT_LENGTH": str(declared), "wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    assert "larger than this site takes (3 MB)" in response.text
    assert response["Connection"] == "close"
    assert not Customer.objects.exists()


def test_a_file_over_its_limit_is_dropped_at_the_limit_with_a_message(leader):
    big = b"name,segment\n" + b"Acme," * (settings.MAX_UPLOAD_BYTES // 5 + 10)
    assert settings.MAX_UPLOAD_BYTES < len(big) < settings.MAX_REQUEST_BYTES
    response = leader.post(
        reverse("requests:crm_import"),
        {"csv_file": SimpleUploadedFile("export.csv", big, content_type="text/csv")},
    )
    assert response.status_code == 400
    assert "The file is larger than 2 MB. Split it into files of at most 5,000 rows." in (
        response.text
    )
    assert not Customer.objects.exists()


def test_no_upload_is_ever_written_to_disk():
    assert settings.FILE_UPLOAD_HANDLERS == [
        "config.uploads.CappedUploadHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
    ]
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE >= settings.MAX_REQUEST_BYTES


def test_form_data_over_its_limit_is_a_400_page_not_a_500(client, cast):
    client.force_login(cast[Role.SALES_REP])
    problem = "p" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client.post(reverse("requests:request_create"), {"title": "T", "problem": problem})
    assert response.status_code == 400
    assert "That request could not be understood" in response.text


def test_a_length_that_is_not_a_number_is_a_400(leader):
    response = leader.generic(
        "POST", reverse("requests:crm_import"), b"", **{"CONTENT_LENGTH": "lots"}
    )
    assert response.status_code == 400
    assert "length is not a number" in response.text
