"""Evidence files on progress reports: photos (PNG, JPEG, WebP) and PDFs, checked by content.

The type is read from the file's first bytes and the file is then checked to be whole;
the name and the content type the browser declared are never trusted (an HTML page named
photo.png is refused). Images are decoded by Pillow with a pixel limit, so a small file
cannot unpack into gigabytes. What is stored gets a safe ASCII name with the extension
of its real type; serve it with that type, "X-Content-Type-Options: nosniff" and, for
PDFs, as an attachment or under a sandboxing Content-Security-Policy: a PDF is checked
to be a PDF, not to be harmless.
"""

import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from PIL import Image, ImageOps, UnidentifiedImageError

from app.domain.errors import CodedError
from app.domain.text import clean_text

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_EVIDENCE_PIXELS = 40_000_000  # 40 megapixels: more than a phone photo, decoded < 160 MB
MEDIA_TYPES = ("image/png", "image/jpeg", "image/webp", "application/pdf")
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}
_PILLOW_FORMATS = {"image/png": ("PNG",), "image/jpeg": ("JPEG", "MPO"), "image/webp": ("WEBP",)}
_PDF_EOF_WINDOW = 1024  # the PDF standard puts %%EOF within the last 1024 bytes
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10))} | {
    f"lpt{i}" for i in range(10)
}
MAX_STEM = 80


class EvidenceError(CodedError):
    """A refused evidence file; code and params for a translated message.

    Codes (params): empty, too_large (max_mb), not_allowed (the content is not PNG, JPEG,
    WebP or PDF), too_many_pixels (max_megapixels), damaged (media_type: the file starts
    as that type but is cut short or corrupt).
    """

    messages: ClassVar[Mapping[str, str]] = {
        "empty": "the file is empty",
        "too_large": "the file is too large: at most {max_mb} MB",
        "not_allowed": "only photos (PNG, JPEG, WebP) and PDF files can be attached",
        "too_many_pixels": "the image is too large: at most {max_megapixels} megapixels",
        "damaged": "the file is damaged or incomplete ({media_type})",
    }


def sniff(data: bytes) -> str:
    """The media type by magic bytes, one of MEDIA_TYPES; else EvidenceError("not_allowed")."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    raise EvidenceError("not_allowed")


def check_evidence(data: bytes, filename: str) -> tuple[str, str]:
    """(media type, safe file name) of an upload that is a whole PNG, JPEG, WebP or PDF
    within the size limits; EvidenceError otherwise."""
    if not data:
        raise EvidenceError("empty")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceError("too_large", {"max_mb": MAX_EVIDENCE_BYTES // (1024 * 1024)})
    media_type = sniff(data)
    if media_type == "application/pdf":
        _check_pdf(data)
    else:
        _check_image(data, media_type)
    return media_type, safe_filename(filename, media_type)


def _check_pdf(data: bytes) -> None:
    if not re.match(rb"%PDF-\d\.\d", data) or b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        raise EvidenceError("damaged", {"media_type": "application/pdf"})


def _check_image(data: bytes, media_type: str) -> None:
    """Decodes the image (JPEG at an eighth of its size, which still reads every byte) to
    refuse truncated and forged files; pixels are counted before anything is decoded."""
    formats = _PILLOW_FORMATS[media_type]
    damaged = EvidenceError("damaged", {"media_type": media_type})
    too_big = EvidenceError("too_many_pixels", {"max_megapixels": MAX_EVIDENCE_PIXELS // 1_000_000})
    try:
        with Image.open(io.BytesIO(data), formats=list(formats)) as image:
            width, height = image.size
            if width * height > MAX_EVIDENCE_PIXELS:
                raise too_big
            image.verify()
        with Image.open(io.BytesIO(data), formats=list(formats)) as image:
            if image.format == "JPEG" or image.format == "MPO":
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except EvidenceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own limit, above ours: an error past twice its limit, else a warning
        # (an exception where warnings are errors, as in the tests).
        raise too_big from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise damaged from exc


def safe_filename(filename: str, media_type: str) -> str:
    """An ASCII name without folders or inner dots, with the extension of the real type:
    "รูป 1.PNG" sent as a JPEG becomes "1.jpg", a name with nothing left "evidence.jpg"."""
    base = re.split(r"[/\\]", clean_text(filename))[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem)  # no inner dots: one extension
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip(".-_")[:MAX_STEM].rstrip(".-_")
    if not cleaned:
        cleaned = "evidence"
    if cleaned.lower() in _WINDOWS_RESERVED:
        cleaned = f"evidence-{cleaned}"
    return cleaned + EXTENSIONS[media_type]


PHOTO_MAX_SIDE = 2048  # pixels kept on the longer side of a proposal photo
THUMB_MAX_SIDE = 480
_SAVE_AS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded from its pixels only: no EXIF, GPS, comments or other metadata."""

    media_type: str
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def clean_photo(data: bytes) -> CleanPhoto:
    """Check a photo as check_evidence does (PNG, JPEG or WebP only, by content, at most
    5 MB), turn it upright by its EXIF orientation, and re-encode it in its own format from
    the pixels alone, at most PHOTO_MAX_SIDE pixels on the longer side, with a thumbnail of
    at most THUMB_MAX_SIDE. Metadata (EXIF, GPS, XMP, ICC, comments) is not carried over."""
    media_type, _name = check_evidence(data, "photo")
    if media_type not in _SAVE_AS:
        raise EvidenceError("not_allowed")
    with Image.open(io.BytesIO(data)) as opened:
        upright = ImageOps.exif_transpose(opened)
    keep_alpha = media_type != "image/jpeg" and upright.mode in ("RGBA", "LA", "P")
    pixels = upright.convert("RGBA" if keep_alpha else "RGB")
    pixels.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    thumb = pixels.copy()
    thumb.thumbnail((THUMB_MAX_SIDE, THUMB_MAX_SIDE))
    return CleanPhoto(
        media_type,
        _encode(pixels, media_type),
        _encode(thumb, media_type),
        pixels.width,
        pixels.height,
    )


def _encode(image: Image.Image, media_type: str) -> bytes:
    # A fresh image holds no info dict: only the pixels reach the encoder.
    bare = Image.new(image.mode, image.size)
    bare.paste(image)
    out = io.BytesIO()
    options = {"quality": 85} if media_type != "image/png" else {"optimize": True}
    bare.save(out, format=_SAVE_AS[media_type], **options)
    return out.getvalue()
