"""Limits on a notice's attachments: size, count and type (by extension, and by the first bytes where the
format has a signature, so a renamed executable is not published as a PDF)."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_TYPES = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".png": ("image/png", b"\x89PNG"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ".txt": ("text/plain", b""),
}


def max_bytes() -> int:
    return int(getattr(settings, "NOTICES_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def max_count() -> int:
    return int(getattr(settings, "NOTICES_ATTACHMENT_MAX_COUNT", 5))


def check(files) -> list[tuple[object, str, str]]:
    """(file, clean name, content type) for each upload, or ValidationError{"attachments"} naming the first
    file at fault."""
    files = [f for f in files or [] if f]
    if len(files) > max_count():
        raise ValidationError({"attachments": _("At most %(count)d attachments at a time.") % {"count": max_count()}})
    checked = []
    for upload in files:
        name = os.path.basename(upload.name or "")[:150] or "file"
        ext = os.path.splitext(name)[1].lower()
        if ext not in DEFAULT_TYPES:
            raise ValidationError({"attachments": _("“%(name)s”: only PDF, PNG, JPEG, Word (.docx), Excel (.xlsx) "
                                                    "and text files may be attached.") % {"name": name}})
        if upload.size > max_bytes():
            raise ValidationError({"attachments": _("“%(name)s” is %(size)s; an attachment is at most %(max)s.")
                                   % {"name": name, "size": _megabytes(upload.size), "max": _megabytes(max_bytes())}})
        content_type, magic = DEFAULT_TYPES[ext]
        upload.seek(0)
        head = upload.read(8)
        upload.seek(0)
        if magic and not head.startswith(magic):
            raise ValidationError({"attachments": _("“%(name)s” is not the kind of file its name says.")
                                   % {"name": name}})
        checked.append((upload, name, content_type))
    return checked


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
