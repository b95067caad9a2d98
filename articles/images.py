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


def read_bytes(field_file) -> bytes:
    field_file.open("rb")
    try:
        return field_file.read()
    finally:
        field_file.close()


def content_key(data: bytes) -> str:
    """A picture's library key: its bytes' SHA-256, first 20 hex digits
    (articles.models.library.KEY_LENGTH); also its renditions' folder."""
    return hashlib.sha256(data).hexdigest()[:20]


# The widest any rendition needs (and every crop is narrower than the
# picture): a JPEG is decoded at the smallest scale that still gives this
# many pixels across as shown (Pillow's draft mode: a 4000×3000 photo
# decodes at 2000×1500, a quarter of the pixels).
_DECODE_AT_LEAST = 1600
# EXIF orientations that turn the picture a quarter: its width as shown is
# the stored height.
_QUARTER_TURNS = {5, 6, 7, 8}


def _load(field_file) -> tuple[bytes, Image.Image, str]:
    """An upload's bytes, its image upright (EXIF orientation applied) in RGB
    or RGBA, and its format."""
    data = read_bytes(field_file)
    with Image.open(io.BytesIO(data)) as original:
        if original.format == "JPEG":
            width, height = original.size
            turned = original.getexif().get(0x0112) in _QUARTER_TURNS
            scale = (height if turned else width) / _DECODE_AT_LEAST
            if scale > 1:
                original.draft("RGB", (width / scale, height / scale))
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


def make_renditions(
    field_file,
    *,
    folder: str = "renditions",
    focal: tuple[float, float] | None = None,
    key: str | None = None,
) -> dict:
    """Write renditions of `field_file` to the public storage; return their
    description. Their names follow from the upload's bytes, so making them
    again (a job run twice) overwrites the same files.

    The result is stored on the model (a JSONField) so pages never touch the
    files: {"width": w, "height": h, "webp": [[url_path, w], …],
    "fallback": [[url_path, w], …], "fallback_type": "image/jpeg"}; with a
    focal point (fractions of the width and height), also "focal" and
    "crops": {name: {"width", "height", "webp", "fallback"}} for CROPS,
    named after the focal point (a new one makes new files, new addresses).
    `key` names their folder (by default the bytes' content_key).
    """
    data, image, source_format = _load(field_file)
    # GIF and other formats fall back to PNG (lossless, keeps transparency).
    fallback_format = source_format if source_format in _FORMATS else "PNG"
    if fallback_format == "JPEG" and image.mode == "RGBA":
        fallback_format = "PNG"
    ext, mime = _FORMATS[fallback_format]

    width, height = image.size
    widths = [w for w in RENDITION_WIDTHS if w < width] + [min(width, 1600)]
    base = posixpath.join(folder, key or content_key(data))
    result = {"width": width, "height": height, "webp": [], "fallback": []}
    # Each file's size in bytes (a feed's enclosure says it).
    result["bytes"] = {}

    def save(picture: Image.Image, name: str, into: dict) -> None:
        for key, fmt, extension in (
            ("webp", "WEBP", "webp"),
            ("fallback", fallback_format, ext),
        ):
            encoded = _encode(picture, fmt)
            stored = public_storage().save(
                f"{base}/{name}.{extension}", ContentFile(encoded)
            )
            into[key].append([stored, picture.width])
            result["bytes"][stored] = len(encoded)

    for w in sorted(set(widths)):
        h = max(1, round(height * w / width))
        save(
            image if w == width else image.resize((w, h), Image.Resampling.LANCZOS),
            str(w),
            result,
        )
    if focal is not None:
        result["focal"] = list(focal)
        result["crops"] = {}
        marks = "-".join(str(round(v * 100)) for v in focal)
        for crop, (ratio_w, ratio_h, crop_widths) in CROPS.items():
            box = crop_box(width, height, ratio_w / ratio_h, *focal)
            cut = image.crop(box)
            entry = {"webp": [], "fallback": []}
            for w in sorted({min(w, cut.width) for w in crop_widths}):
                h = max(1, round(w * ratio_h / ratio_w))
                save(
                    cut.resize((w, h), Image.Resampling.LANCZOS),
                    f"{crop}-{marks}-{w}",
                    entry,
                )
            last = entry["fallback"][-1][1]
            entry["width"] = last
            entry["height"] = max(1, round(last * ratio_h / ratio_w))
            result["crops"][crop] = entry
    result["fallback_type"] = mime
    return result


# The crops a news page needs, by name: (ratio width, ratio height, the
# widths made). A card in a listing is 3:2; a social card (Open Graph,
# X) is 1200×630.
CROPS = {
    "card": (3, 2, (320, 640, 960)),
    "social": (40, 21, (1200,)),
}


def crop_box(
    width: int, height: int, ratio: float, focal_x: float, focal_y: float
) -> tuple[int, int, int, int]:
    """The largest box of `ratio` (width / height) inside a picture of
    `width` × `height`, centred on the focal point (fractions of the width
    and height) as far as the picture's edges allow: (left, top, right,
    bottom)."""
    if width / height > ratio:
        box_w, box_h = max(1, round(height * ratio)), height
    else:
        box_w, box_h = width, max(1, round(width / ratio))
    left = min(max(round(focal_x * width - box_w / 2), 0), width - box_w)
    top = min(max(round(focal_y * height - box_h / 2), 0), height - box_h)
    return left, top, left + box_w, top + box_h


def rendition_of(
    renditions: dict | None,
    *,
    width: int,
    crop: str | None = None,
    fallback: bool = False,
) -> tuple[str, int, int] | None:
    """(URL, width, height) of a picture's rendition for a box `width` px
    wide: the smallest at least that wide (the widest if none is), in WebP
    or, with `fallback`, the original's format (the widest up to `width`,
    as a story's body shows it); cropped as `crop` (CROPS) when that crop
    is made. None while a worker makes them."""
    renditions = renditions or {}
    source = renditions.get("crops", {}).get(crop) if crop else None
    source = source or renditions
    entries = source.get("fallback" if fallback else "webp") or []
    if not entries:
        return None
    if fallback:
        fitting = [e for e in entries if e[1] <= width] or entries[:1]
        name, w = fitting[-1]
    else:
        name, w = next((e for e in entries if e[1] >= width), entries[-1])
    return public_url(name), w, max(1, round(w * source["height"] / source["width"]))


# The widest rendition a story's body shows (its column at high density).
BODY_WIDTH = 1280


def body_rendition(renditions: dict | None) -> tuple[str, int, int] | None:
    """(URL, width, height) of the rendition a story's body shows a picture
    at, in the original's format; None while a worker makes them."""
    return rendition_of(renditions, width=BODY_WIDTH, fallback=True)


def rendition_names(renditions: dict | None) -> set[str]:
    renditions = renditions or {}
    parts = [renditions, *renditions.get("crops", {}).values()]
    return {
        name
        for part in parts
        for key in ("webp", "fallback")
        for name, _width in part.get(key, [])
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
    name = f"{folder}/{content_key(data)}.webp"
    return public_storage().save(name, ContentFile(_encode(square, "WEBP")))
