"""Responsive renditions of uploaded images (Pillow).

Each upload gets several widths in WebP and in its own format, so pages can
serve `<picture>` with `srcset`/`sizes` and explicit width/height (no layout
shift). Renditions are re-encoded, so EXIF and GPS data are not carried over.
"""

import io
import posixpath
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

RENDITION_WIDTHS = (320, 640, 960, 1280)
_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png")}


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "WEBP":
        image.save(buffer, "WEBP", quality=80, method=4)
    elif fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def make_renditions(field_file, *, folder: str = "renditions") -> dict:
    """Write renditions of `field_file` to storage; return their description.

    The result is stored on the model (a JSONField) so pages never touch the
    files: {"width": w, "height": h, "webp": [[url_path, w], …],
    "fallback": [[url_path, w], …], "fallback_type": "image/jpeg"}.
    """
    field_file.open("rb")
    try:
        with Image.open(field_file) as original:
            original.load()
            image = ImageOps.exif_transpose(original)
            source_format = original.format or "JPEG"
    finally:
        field_file.close()
    if image.mode not in {"RGB", "RGBA"}:
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    # GIF and other formats fall back to PNG (lossless, keeps transparency).
    fallback_format = source_format if source_format in _FORMATS else "PNG"
    if fallback_format == "JPEG" and image.mode == "RGBA":
        fallback_format = "PNG"
    ext, mime = _FORMATS[fallback_format]

    width, height = image.size
    widths = [w for w in RENDITION_WIDTHS if w < width] + [min(width, 1600)]
    base = posixpath.join(folder, secrets.token_hex(8))
    result = {"width": width, "height": height, "webp": [], "fallback": []}
    for w in sorted(set(widths)):
        h = max(1, round(height * w / width))
        resized = (
            image if w == width else image.resize((w, h), Image.Resampling.LANCZOS)
        )
        for key, fmt, extension in (
            ("webp", "WEBP", "webp"),
            ("fallback", fallback_format, ext),
        ):
            name = default_storage.save(
                f"{base}/{w}.{extension}", ContentFile(_encode(resized, fmt))
            )
            result[key].append([name, w])
    result["fallback_type"] = mime
    return result


def delete_renditions(renditions: dict | None) -> None:
    """Remove rendition files described by `renditions` from storage."""
    for key in ("webp", "fallback"):
        for name, _width in (renditions or {}).get(key, []):
            default_storage.delete(name)
