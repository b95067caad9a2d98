"""Upload checks for images: real, allowed, not too big, not a bomb."""

import secrets
import warnings
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from PIL import Image

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def validate_image(file) -> None:
    """Pillow must recognise the file as JPEG, PNG, WebP or GIF (SVG and
    anything else are refused), within the size and pixel limits."""
    if getattr(file, "_committed", False):
        return  # already stored: it was checked when it was uploaded
    max_bytes = settings.NEWSROOM_MAX_IMAGE_BYTES
    if file.size is not None and file.size > max_bytes:
        raise ValidationError(
            f"The image is too large: at most {max_bytes // (1024 * 1024)} MB."
        )
    max_pixels = settings.NEWSROOM_MAX_IMAGE_PIXELS
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image_format = image.format
                width, height = image.size
                if width * height > max_pixels:
                    raise ValidationError(
                        f"The image has too many pixels ({width}×{height}); "
                        f"at most {max_pixels:,} are accepted."
                    )
                image.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError("The image is too large to process.") from None
    except Exception:
        raise ValidationError("Upload a valid image: JPEG, PNG, WebP or GIF.") from None
    finally:
        file.seek(position)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"{image_format or 'This'} images are not accepted: use JPEG, PNG, "
            "WebP or GIF."
        )


def _random_name(folder: str, filename: str) -> str:
    extension = PurePath(filename).suffix.lower().lstrip(".")
    if extension not in {"jpg", "jpeg", "png", "webp", "gif"}:
        extension = "img"
    return f"{folder}/{secrets.token_hex(16)}.{extension}"


def article_image_path(instance, filename: str) -> str:
    """Featured images are stored under random names (nothing guessable)."""
    return _random_name("articles", filename)


def author_photo_path(instance, filename: str) -> str:
    return _random_name("authors", filename)


# Stored addresses (a story's source, an author's website) become links and
# JSON-LD on public pages: only web addresses, never javascript: or data:.
# The database holds the same rule (web_url_only, a check constraint).
WEB_SCHEMES = ["http", "https"]
validate_web_url = URLValidator(
    schemes=WEB_SCHEMES,
    message="Enter a web address starting with http:// or https://.",
)


def web_url_only(field: str) -> Q:
    """The rule as a condition: empty, or http(s)://."""
    return Q(**{field: ""}) | Q(**{f"{field}__iregex": r"^https?://"})


def web_url_or_blank(value: str) -> str:
    """`value` if it is a valid web address, else "" (imports: a bad URL is
    dropped and reported, never stored)."""
    try:
        validate_web_url(value)
    except ValidationError:
        return ""
    return value
