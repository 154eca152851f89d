"""A crafted PDF cannot hold a web worker, run code in a viewer or be served inline.

The upload request only checks bytes and queues the reading; the reading parses the PDF in a child process held
to CPU, memory and wall-clock limits; JavaScript, automatic actions and embedded files are refused however their
names are spelled; the stored file is served as a sandboxed attachment.
"""

from __future__ import annotations

import io
import time
import zlib
from decimal import Decimal

import pydyf
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from taxprofiles.form1040 import sandbox
from taxprofiles.form1040.document import HAS_FILES, HAS_SCRIPT, check_active_content, read_pdf
from taxprofiles.form1040.fields import ActiveContentError, DocumentError, ReadLimitError
from taxprofiles.form1040.reading import read_return
from taxprofiles.form1040.sandbox import TOO_BIG, TOO_SLOW, Limits, read_return_sandboxed
from taxprofiles.models import DocumentStatus, TaxDocument
from tests.taxprofiles.form1040 import samples
from tests.taxprofiles.test_tax_documents import signed_in, upload, uploaded

# Small limits keep the tests quick; the slow file needs some 20 s of CPU (and far more memory) to read.
TEST_LIMITS = Limits(cpu_seconds=2, memory_bytes=512 * 1024 * 1024, wall_seconds=20)
PAGE_TEXT = b"BT /F1 12 Tf 72 700 Td (Form 1040 U.S. Individual Income Tax Return 2024) Tj ET"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.OPENAI_API_KEY = ""
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(sandbox, "LIMITS", TEST_LIMITS)


def raw_pdf(content: bytes = PAGE_TEXT, *, catalog: bytes = b"", page: bytes = b"", extra: tuple[bytes, ...] = ()):
    """Return a one-page PDF written by hand (objects 1-5; ``extra`` objects are numbered from 6)."""
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R " + page + b" >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def slow_pdf() -> bytes:
    """A 26 KB PDF whose one page draws two million strings: pypdf needs some 20 s to extract its text."""
    return raw_pdf(b"BT /F1 9 Tf 10 10 Td " + b"(a) Tj " * 2_000_000 + b"ET")


def open_action_javascript() -> bytes:
    return raw_pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>")


def hex_escaped_javascript() -> bytes:
    return raw_pdf(catalog=b"/OpenAction 6 0 R", extra=(b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",))


def hex_escaped_document_javascript() -> bytes:
    """Document-level JavaScript (run when the file opens) with every name hex-escaped and no /OpenAction."""
    names = b"/Names << /J#61v#61Script << /Names [(init) 6 0 R] >> >>"
    return raw_pdf(catalog=names, extra=(b"<< /#53 /J#61vaScript /J#53 (app.alert\\(1\\)) >>",))


def embedded_file() -> bytes:
    names = b"/Names << /EmbeddedFiles << /Names [(notes.txt) 6 0 R] >> >>"
    spec = b"<< /Type /Filespec /F (notes.txt) /EF << /F 7 0 R >> >>"
    return raw_pdf(catalog=names, extra=(spec, b"<< /Type /EmbeddedFile /Length 5 >>\nstream\nhello\nendstream"))


def page_additional_action() -> bytes:
    return raw_pdf(page=b"/AA << /O << /S /Launch /F (calc.exe) >> >>")


def hidden_javascript() -> bytes:
    """A 1040-looking page whose hex-escaped JavaScript action sits in a compressed object stream.

    Nothing in the file's bytes names JavaScript: only parsing the object tree finds it.
    """
    pdf = pydyf.PDF()
    action = pydyf.Dictionary({"S": "/J#61vaScript", "J#53": pydyf.String("app.alert(1)")})
    pdf.add_object(action)
    scripts = pydyf.Dictionary({"Names": pydyf.Array([pydyf.String("init"), action.reference])})
    pdf.catalog["Names"] = pydyf.Dictionary({"J#61vaScript": scripts})
    font = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1", "BaseFont": "/Helvetica"})
    pdf.add_object(font)
    content = pydyf.Stream([PAGE_TEXT])
    pdf.add_object(content)
    resources = pydyf.Dictionary({"Font": pydyf.Dictionary({"F1": font.reference})})
    page = {"Type": "/Page", "Parent": pdf.pages.reference, "MediaBox": pydyf.Array([0, 0, 612, 792])}
    pdf.add_page(pydyf.Dictionary({**page, "Contents": content.reference, "Resources": resources}))
    out = io.BytesIO()
    pdf.write(out, compress=True)
    data = out.getvalue()
    assert b"JavaScript" not in data
    assert b"J#61vaScript" not in data  # compressed
    return data


def open_at_first_page(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.open_destination = writer.pages[0]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_upload_request_stores_and_queues_without_parsing(
    alice, smiths, monkeypatch, django_capture_on_commit_callbacks
):
    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the upload request parsed the PDF")

    monkeypatch.setattr("taxprofiles.form1040.document.PdfReader", no_parsing)
    monkeypatch.setattr("taxprofiles.documents.read_return_sandboxed", no_parsing)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(signed_in(alice), smiths, slow_pdf())
    assert time.monotonic() - started < 5  # reading it would take some 20 s of CPU
    document = TaxDocument.objects.get()
    assert response["Location"] == reverse("taxprofiles:document", args=[document.pk])
    assert (document.status, document.text, document.fields) == (DocumentStatus.QUEUED, "", {})
    assert len(callbacks) == 1  # the reading, queued for after the commit


@pytest.mark.django_db
def test_a_crafted_slow_pdf_is_stopped_and_marked_failed(
    alice, smiths, small_limits, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    document = uploaded(alice, smiths, slow_pdf(), django_capture_on_commit_callbacks)
    assert time.monotonic() - started < TEST_LIMITS.wall_seconds + 5
    document.refresh_from_db()
    assert (document.status, document.message) == (DocumentStatus.FAILED, TOO_SLOW)
    assert TOO_SLOW.startswith("The PDF took too long to read; it may be damaged or crafted")
    page = signed_in(alice).get(reverse("taxprofiles:document", args=[document.pk])).text
    assert "The PDF took too long to read; it may be damaged or crafted" in page


def test_the_wall_clock_limit_stops_a_reading_that_waits():
    started = time.monotonic()
    with pytest.raises(ReadLimitError) as caught:
        read_return_sandboxed(slow_pdf(), limits=Limits(cpu_seconds=60, wall_seconds=1))
    assert time.monotonic() - started < 5
    assert str(caught.value) == TOO_SLOW


def test_the_memory_limit_stops_a_reading_that_grows():
    with pytest.raises(ReadLimitError) as caught:
        read_return_sandboxed(
            slow_pdf(), limits=Limits(cpu_seconds=60, memory_bytes=200 * 1024 * 1024, wall_seconds=60)
        )
    assert str(caught.value) == TOO_BIG


def test_a_deeply_nested_object_is_refused_as_damaged():
    nested = b"[" * 1_000_000 + b"]" * 1_000_000
    with pytest.raises(DocumentError, match=r"^The PDF is damaged or unreadable"):
        read_return_sandboxed(raw_pdf(page=b"/Deep " + nested), limits=TEST_LIMITS)


def test_the_command_reads_in_the_same_sandbox(tmp_path, small_limits):
    path = tmp_path / "slow.pdf"
    path.write_bytes(slow_pdf())
    with pytest.raises(CommandError) as caught:
        call_command("parse_1040", str(path), "--offline", "--json")
    assert str(caught.value) == TOO_SLOW


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (open_action_javascript, HAS_SCRIPT),
        (hex_escaped_javascript, HAS_SCRIPT),
        (hex_escaped_document_javascript, HAS_SCRIPT),
        (embedded_file, HAS_FILES),
        (page_additional_action, HAS_SCRIPT),
    ],
    ids=["open-action", "hex-escaped-open-action", "hex-escaped-document-javascript", "embedded-file", "page-aa"],
)
@pytest.mark.django_db
def test_active_content_in_the_clear_is_refused_by_the_request(alice, smiths, make, message, private_root):
    client = signed_in(alice)
    response = upload(client, smiths, make())
    assert response["Location"] == reverse("taxprofiles:edit", args=[smiths.pk])
    assert message in client.get(response["Location"]).text
    assert not TaxDocument.objects.exists()
    assert not private_root.exists() or not any(private_root.rglob("*.pdf"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (open_action_javascript, HAS_SCRIPT),
        (hex_escaped_javascript, HAS_SCRIPT),
        (hex_escaped_document_javascript, HAS_SCRIPT),
        (embedded_file, HAS_FILES),
        (page_additional_action, HAS_SCRIPT),
        (hidden_javascript, HAS_SCRIPT),
    ],
    ids=[
        "open-action",
        "hex-escaped-open-action",
        "hex-escaped-document-javascript",
        "embedded-file",
        "page-aa",
        "in-an-object-stream",
    ],
)
def test_the_parsed_object_tree_decides_active_content(make, message):
    with pytest.raises(ActiveContentError) as caught:
        check_active_content(PdfReader(io.BytesIO(make())))
    assert str(caught.value) == message


@pytest.mark.django_db
def test_javascript_hidden_in_an_object_stream_is_refused_by_the_reading_and_the_file_removed(
    alice, smiths, private_root, django_capture_on_commit_callbacks
):
    document = uploaded(alice, smiths, hidden_javascript(), django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.status, document.message, document.file.name) == (DocumentStatus.FAILED, HAS_SCRIPT, "")
    assert not any(private_root.rglob("*.pdf"))
    client = signed_in(alice)
    assert client.get(reverse("taxprofiles:document_file", args=[document.pk])).status_code == 404
    client.post(reverse("taxprofiles:document_delete", args=[document.pk]))
    assert not TaxDocument.objects.exists()


def test_an_open_action_that_only_opens_a_page_is_accepted():
    pdf = open_at_first_page(samples.single_2024())
    assert b"/OpenAction" in pdf
    assert "Form 1040" in read_return_sandboxed(pdf).text


@pytest.mark.django_db
def test_the_stored_file_is_served_as_a_sandboxed_attachment(alice, smiths, django_capture_on_commit_callbacks):
    pdf = samples.single_2024()
    document = uploaded(alice, smiths, pdf, django_capture_on_commit_callbacks)
    response = signed_in(alice).get(reverse("taxprofiles:document_file", args=[document.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="return.pdf"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf


@pytest.mark.django_db
def test_a_real_return_is_read_to_the_same_figures_as_in_process(alice, smiths, django_capture_on_commit_callbacks):
    pdf = samples.married_joint_2025()
    document = uploaded(alice, smiths, pdf, django_capture_on_commit_callbacks)
    document.refresh_from_db()
    expected = read_return(pdf).extraction.values
    assert document.status == DocumentStatus.EXTRACTED
    assert document.text == read_pdf(pdf)
    assert {name: found["value"] for name, found in document.fields.items()} == {
        name: str(found.value) if isinstance(found.value, Decimal) else found.value for name, found in expected.items()
    }
    assert (document.fields["wages"]["value"], document.fields["lt_carryover"]["value"]) == ("210400.00", "12750.50")
