"""Responsive renditions of uploaded images (Pillow).

Each upload gets several widths in WebP and in its own format, so pages can
serve `<picture>` with `srcset`/`sizes` and explicit width/height (no layout
shift). Renditions are re-encoded, so EXIF and GPS data are not carried over.
"""

import hashlib
import io
import posixpath

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from PIL import Image, ImageOps


def public_storage():
    """Where renditions go: readable by anyone (settings.STORAGES["public"]);
    uploads themselves stay in the default, private, storage."""
    return storages["public"]


def public_url(name: str) -> str:
    return public_storage().url(name)


# What the public storage holds, by folder (renditions and body images here,
# author squares here, images of imported WordPress bodies in wpimport);
# everything else is an upload and stays private (manage.py media_to_bucket).
PUBLIC_FOLDERS = ("renditions", "body", "avatars", "wordpress")


def in_object_store() -> bool:
    """Whether media live in object storage (NEWSROOM_S3_ENDPOINT_URL)."""
    return not isinstance(storages["default"], FileSystemStorage)


def _storage_errors() -> tuple:
    errors = [OSError]  # a local disk, and every socket error
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    except ImportError:
        pass
    return tuple(errors)


# What a storage that cannot be reached raises (the object store restarting).
STORAGE_ERRORS = _storage_errors()

STORAGE_DOWN_MESSAGE = (
    "The media storage does not answer just now, so this file cannot be "
    "saved. Your other changes are kept below: choose the file again and save "
    "in a moment."
)


def storage_answers(storage=None) -> bool:
    """Whether a storage (the uploads' one, the object store's private
    bucket, by default) can be reached: one cheap request, made only when
    a file is uploaded."""
    try:
        (storage or storages["default"]).exists("pending/.probe")
    except STORAGE_ERRORS:
        return False
    return True


def refuse_uploads_while_storage_is_down(form) -> None:
    """A form error on each uploaded file while the storage is down, so the
    save is refused before anything is written and the form comes back with
    everything else that was typed (never a 500 halfway through the save)."""
    uploaded = [name for name in form.files if name in form.fields]
    if uploaded and not storage_answers():
        for name in uploaded:
            form.add_error(name, STORAGE_DOWN_MESSAGE)


def _load(field_file) -> tuple[bytes, Image.Image, str]:
    """An upload's bytes, its image upright (EXIF orientation applied) in RGB
    or RGBA, and its format."""
    field_file.open("rb")
    try:
        data = field_file.read()
    finally:
        field_file.close()
    with Image.open(io.BytesIO(data)) as original:
        original.load()
        image = ImageOps.exif_transpose(original)
        source_format = original.format or "JPEG"
    if image.mode not in {"RGB", "RGBA"}:
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    return data, image, source_format


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
    """Write renditions of `field_file` to the public storage; return their
    description. Their names follow from the upload's bytes, so making them
    again (a job run twice) overwrites the same files.

    The result is stored on the model (a JSONField) so pages never touch the
    files: {"width": w, "height": h, "webp": [[url_path, w], …],
    "fallback": [[url_path, w], …], "fallback_type": "image/jpeg"}.
    """
    data, image, source_format = _load(field_file)
    # GIF and other formats fall back to PNG (lossless, keeps transparency).
    fallback_format = source_format if source_format in _FORMATS else "PNG"
    if fallback_format == "JPEG" and image.mode == "RGBA":
        fallback_format = "PNG"
    ext, mime = _FORMATS[fallback_format]

    width, height = image.size
    widths = [w for w in RENDITION_WIDTHS if w < width] + [min(width, 1600)]
    base = posixpath.join(folder, hashlib.sha256(data).hexdigest()[:20])
    result = {"width": width, "height": height, "webp": [], "fallback": []}
    # Each file's size in bytes (a feed's enclosure says it).
    result["bytes"] = {}
    for w in sorted(set(widths)):
        h = max(1, round(height * w / width))
        resized = (
            image if w == width else image.resize((w, h), Image.Resampling.LANCZOS)
        )
        for key, fmt, extension in (
            ("webp", "WEBP", "webp"),
            ("fallback", fallback_format, ext),
        ):
            encoded = _encode(resized, fmt)
            name = public_storage().save(
                f"{base}/{w}.{extension}", ContentFile(encoded)
            )
            result[key].append([name, w])
            result["bytes"][name] = len(encoded)
    result["fallback_type"] = mime
    return result


def rendition_names(renditions: dict | None) -> set[str]:
    return {
        name
        for key in ("webp", "fallback")
        for name, _width in (renditions or {}).get(key, [])
    }


def delete_renditions(renditions: dict | None, *, keep: dict | None = None) -> None:
    """Remove rendition files described by `renditions` from storage, except
    those `keep` uses too (the same image uploaded again)."""
    for name in rendition_names(renditions) - rendition_names(keep):
        public_storage().delete(name)


AVATAR_SIZE = 192  # twice the 96 px circle, for high-density screens


def make_avatar(field_file, *, folder: str = "avatars") -> str:
    """A square WebP of `field_file` in the public storage (re-encoded: no
    EXIF or GPS data); its name follows from the bytes (idempotent)."""
    data, image, _format = _load(field_file)
    square = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    name = f"{folder}/{hashlib.sha256(data).hexdigest()[:20]}.webp"
    return public_storage().save(name, ContentFile(_encode(square, "WEBP")))
