"""The one attachment policy: types, sizes, random storage names, safe names, guarded downloads."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from kernel.attachments import POLICY, AttachmentRejected, original_name, serve, storage_name


def upload(name, content=b"data"):
    return SimpleUploadedFile(name, content, content_type="text/html")  # the header is ignored


def test_the_stored_type_comes_from_the_extension_never_from_the_uploaders_header():
    assert POLICY.content_type(upload("Report.PDF")) == "application/pdf"
    assert POLICY.content_type(upload("capture.log")) == "text/plain"


@pytest.mark.parametrize("name,content,reason", [
    ("page.html", b"<script>", "type '.html' are not accepted"),
    ("tool.exe", b"MZ", "type '.exe'"),
    ("no-extension", b"x", "type 'none'"),
    ("empty.txt", b"", "empty"),
])
def test_unsafe_unknown_or_empty_files_are_refused_with_the_reason(name, content, reason):
    with pytest.raises(AttachmentRejected, match=reason):
        POLICY.content_type(upload(name, content))


def test_a_file_over_the_limit_is_refused_and_one_at_the_limit_is_accepted():
    at_limit = SimpleUploadedFile("big.csv", b"x" * POLICY.max_bytes)
    assert POLICY.content_type(at_limit) == "text/csv"
    over = SimpleUploadedFile("big.csv", b"x" * (POLICY.max_bytes + 1))
    with pytest.raises(AttachmentRejected, match="larger than 10 MB"):
        POLICY.content_type(over)


def test_the_help_text_names_the_limit_and_every_accepted_type():
    assert POLICY.help_text.startswith("Up to 10 MB: .csv, .docx")


@pytest.mark.parametrize("given,kept", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\bea\\Desktop\\meter  readings.csv", "meter readings.csv"),
    ("bad\x00name\r\n.txt", "badname.txt"),
    ("Cafe\u0301.pdf", "Caf\u00e9.pdf"),
    ("", "file"),
    ("...", "file"),
])
def test_the_original_name_loses_folders_control_characters_and_odd_spacing(given, kept):
    assert original_name(given) == kept


def test_a_long_original_name_is_cut_to_the_limit_keeping_its_extension():
    name = original_name("x" * 300 + ".xlsx")
    assert len(name) == 200 and name.endswith("xxx.xlsx")


class Owner:
    storage_folder = "incidents"


def test_storage_names_are_random_dated_and_never_the_uploaders_name():
    first, second = storage_name(Owner(), "my secret plan.pdf"), storage_name(Owner(), "a.pdf")
    assert re.fullmatch(r"incidents/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", first)
    assert first != second and "secret" not in first
    assert storage_name(Owner(), "script.html").endswith(tuple("0123456789abcdef"))


class Stored:
    """A stand-in attachment whose permission hook answers as told."""

    original_name, content_type = "readings.csv", "text/csv"

    def __init__(self, allowed):
        self.allowed = allowed
        self.file = ContentFile(b"a,b\n", name="x.csv")
        self.file.open = lambda mode: ContentFile(b"a,b\n", name="x.csv")

    def may_download(self, user):
        return self.allowed


def test_a_download_is_served_as_a_file_with_the_stored_type_and_the_original_name():
    response = serve(Stored(allowed=True), user=None)
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="readings.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_someone_the_hook_refuses_gets_404_as_if_the_file_did_not_exist():
    with pytest.raises(Http404):
        serve(Stored(allowed=False), user=None)
