import io
import struct
import zlib

import pytest
from PIL import Image

from app.domain.evidence import (
    MAX_EVIDENCE_BYTES,
    EvidenceError,
    check_evidence,
    safe_filename,
    sniff,
)

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def image(format: str, size: tuple[int, int] = (24, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size: enough for Pillow to read the header and count pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def refused(data: bytes, filename: str = "x") -> EvidenceError:
    with pytest.raises(EvidenceError) as caught:
        check_evidence(data, filename)
    return caught.value


@pytest.mark.parametrize(
    ("format", "media_type", "extension"),
    [("PNG", "image/png", ".png"), ("JPEG", "image/jpeg", ".jpg"), ("WEBP", "image/webp", ".webp")],
)
def test_images_are_accepted_by_content(format: str, media_type: str, extension: str) -> None:
    data = image(format)
    assert sniff(data) == media_type
    assert check_evidence(data, "photo.jpeg") == (media_type, f"photo{extension}")


def test_a_pdf_is_accepted() -> None:
    assert sniff(PDF) == "application/pdf"
    assert check_evidence(PDF, "รายงาน ไตรมาส 1.pdf") == ("application/pdf", "1.pdf")


def test_a_png_named_pdf_is_stored_as_a_png() -> None:
    assert check_evidence(image("PNG"), "report.pdf") == ("image/png", "report.png")


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"GIF89a" + b"\x00" * 20,
        b"PK\x03\x04" + b"\x00" * 20,
        b"MZ\x90\x00",
        b"RIFF\x10\x00\x00\x00WAVEfmt ",
    ],
)
def test_other_content_is_not_allowed_whatever_its_name(data: bytes) -> None:
    error = refused(data, "photo.png")
    assert error.code == "not_allowed"
    with pytest.raises(EvidenceError):
        sniff(data)


def test_empty_and_too_large() -> None:
    assert refused(b"").code == "empty"
    error = refused(b"%PDF-1.4\n" + b"0" * MAX_EVIDENCE_BYTES + b"%%EOF")
    assert (error.code, error.params) == ("too_large", {"max_mb": 5})
    assert "5 MB" in str(error)


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (image("JPEG", (64, 64))[:-40], "image/jpeg"),
        (image("PNG", (64, 64))[:60], "image/png"),
        (image("WEBP", (64, 64))[:-10], "image/webp"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png"),  # the signature and nothing else
        (b"\xff\xd8\xff\xe0<html>", "image/jpeg"),
        (PDF[:-8], "application/pdf"),  # cut before %%EOF
        (b"%PDF-x\n%%EOF", "application/pdf"),
    ],
)
def test_truncated_or_forged_files_are_damaged(data: bytes, media_type: str) -> None:
    error = refused(data)
    assert (error.code, error.params) == ("damaged", {"media_type": media_type})


def test_images_with_too_many_pixels_are_refused_before_decoding() -> None:
    error = refused(png_header_only(10_000, 5_000))  # 50 megapixels, under Pillow's limit
    assert (error.code, error.params) == ("too_many_pixels", {"max_megapixels": 40})
    # Far beyond Pillow's own limit: a decompression bomb.
    assert refused(png_header_only(30_000, 30_000)).code == "too_many_pixels"
    assert refused(png_header_only(12_000, 12_000)).code == "too_many_pixels"


@pytest.mark.parametrize(
    ("filename", "safe"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\somchai\\Desktop\\IMG_0042.JPG", "IMG_0042.png"),
        ("รูปถ่าย.png", "evidence.png"),
        ("", "evidence.png"),
        (".htaccess", "htaccess.png"),
        ("photo.php.png", "photo-php.png"),
        ("con.png", "evidence-con.png"),
        ("a b&c<d>.png", "a-b-c-d.png"),
        ("café.png", "cafe.png"),
        ("ca\x00fe\u202e.png", "cafe.png"),  # controls and bidi overrides removed, not dashed
        ("x" * 300 + ".png", "x" * 80 + ".png"),
    ],
)
def test_safe_filenames(filename: str, safe: str) -> None:
    assert safe_filename(filename, "image/png") == safe


def test_clean_photo_strips_exif_and_turns_the_photo_upright() -> None:
    import io

    from PIL import Image

    from app.domain.evidence import THUMB_MAX_SIDE, clean_photo

    image = Image.new("RGB", (300, 100), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (13.0, 45.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    photo = clean_photo(out.getvalue())
    assert (photo.width, photo.height) == (100, 300)
    with Image.open(io.BytesIO(photo.data)) as cleaned:
        assert not cleaned.getexif()
        assert "exif" not in cleaned.info
    with Image.open(io.BytesIO(photo.thumbnail)) as thumb:
        assert max(thumb.size) <= THUMB_MAX_SIDE


def test_clean_photo_refuses_pdf() -> None:
    import pytest

    from app.domain.evidence import EvidenceError, clean_photo

    with pytest.raises(EvidenceError):
        clean_photo(b"%PDF-1.4\n1 0 obj\n%%EOF")
