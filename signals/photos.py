"""Resident photos: decoded, re-encoded and stripped before anything is stored.

Re-encoding from decoded pixels is what removes every piece of metadata
(EXIF GPS position, camera serial, XMP) and any payload hidden after the
image data.
"""

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE_PX = 2048
JPEG_QUALITY = 85


class InvalidPhoto(ValueError):
    pass


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile
    width: int
    height: int


def photo_clean(*, data: bytes, name: str = "photo") -> CleanPhoto:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise InvalidPhoto(_("This file is not a photo we can read.")) from error
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(
        content=ContentFile(out.getvalue(), name=f"{name}.jpg"),
        width=image.width,
        height=image.height,
    )
