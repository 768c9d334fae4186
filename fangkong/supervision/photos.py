"""Photos of findings and rectifications: checked with Pillow, at most 1600 px, re-encoded as JPEG, with no EXIF
unless the inspector keeps the location (then the GPS tags only)."""

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# A decompression bomb is refused before it is decoded.
MAX_PIXELS = 60_000_000


@dataclass
class ProcessedPhoto:
    content: bytes
    width: int
    height: int
    kept_location: bool
    original_name: str


def max_bytes() -> int:
    return int(getattr(settings, "SUPERVISION_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def process_photo(upload, *, keep_location: bool = False) -> ProcessedPhoto:
    """`upload` is an UploadedFile (or any file with .size/.name); raises ValidationError with a clear message."""
    name = getattr(upload, "name", "") or "photo"
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise ValidationError(_("%(name)s is larger than %(mb)s MB; take a smaller photo.")
                              % {"name": name, "mb": round(limit / 1024 / 1024, 1)})
    try:
        upload.seek(0)
        raw = upload.read()
        if len(raw) > limit:
            raise ValidationError(_("%(name)s is larger than %(mb)s MB; take a smaller photo.")
                                  % {"name": name, "mb": round(limit / 1024 / 1024, 1)})
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(raw))
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("%(name)s has too many pixels.") % {"name": name})
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("%(name)s is not an image (JPEG, PNG, WebP…).") % {"name": name}) from exc
    gps = {}
    if keep_location:
        gps = dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"format": "JPEG", "quality": 85, "optimize": True}
    if gps:
        exif = Image.Exif()
        exif[ExifTags.IFD.GPSInfo] = gps
        options["exif"] = exif.tobytes()
    image.save(out, **options)
    return ProcessedPhoto(content=out.getvalue(), width=image.width, height=image.height, kept_location=bool(gps),
                          original_name=name)
