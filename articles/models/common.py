"""Rules shared by every articles model: languages, slugs, the publish
permission, image fields."""

from django.conf import global_settings, settings
from django.db import models
from django.utils.text import slugify

IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "gif"]

# A story's language: any of Django's languages (codes such as "pt-br", "ar",
# "zh-hans"); the default is the site's.
LANGUAGE_CHOICES = global_settings.LANGUAGES


def language_code(value: str | None) -> str | None:
    """One of LANGUAGE_CHOICES for a language tag as others write it ("en-US",
    "pt_BR", "zh-CN", "ar"), or None."""
    known = {code for code, _ in LANGUAGE_CHOICES}
    tag = (value or "").strip().lower().replace("_", "-")
    aliases = {"zh-cn": "zh-hans", "zh-sg": "zh-hans", "zh-tw": "zh-hant"}
    tag = aliases.get(tag, tag)
    if tag in known:
        return tag
    base = tag.split("-")[0]
    return base if base in known else None


class StoredDimensionsImageField(models.ImageField):
    """An ImageField whose width and height are measured when a file is
    assigned (an upload, an import), never when a row is loaded: Django's
    ImageField opens the file on every load whose stored size is empty, a
    storage read per article per page, and a reader's 500 when the file is
    missing (media on another server, a lost object)."""

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        if force:
            super().update_dimension_fields(instance, force, *args, **kwargs)

    def deconstruct(self):
        # Migrations name it where it is imported from (articles.models).
        name, _path, args, kwargs = super().deconstruct()
        return name, "articles.models.StoredDimensionsImageField", args, kwargs


def site_language() -> str:
    """The default language of a new story: the site's."""
    return language_code(settings.LANGUAGE_CODE) or "en"


# Publishing, scheduling and unpublishing: editors (the Editor role) only.
PUBLISH_CODENAME = "publish_article"
PUBLISH_PERMISSION = f"articles.{PUBLISH_CODENAME}"


def can_publish(user) -> bool:
    """Whether `user` may publish, schedule and unpublish articles."""
    return user.has_perm(PUBLISH_PERMISSION)


def person_name(user) -> str:
    """How the newsroom names a staff member: full name, else username."""
    return user.get_full_name() or user.get_username()


def fit(model, field: str, value: str) -> str:
    """`value` cut to the length `model.field` stores (imports, cookies,
    request headers): the limit lives on the field alone."""
    return value[: model._meta.get_field(field).max_length]


def make_slug(value: str, max_length: int) -> str:
    """A slug of `value` in its own script (Chinese, Arabic, Portuguese…: any
    letters and digits, lower-cased, words joined by "-"), cut at a word
    boundary when one is in the second half of `max_length`."""
    slug = slugify(value, allow_unicode=True)
    if len(slug) > max_length:
        slug = slug[:max_length]
        cut = slug.rfind("-")
        if cut > max_length // 2:
            slug = slug[:cut]
    return slug.strip("-")


def unique_slug(model, value: str, *, instance=None, max_length: int = 50, **scope):
    """A slug of `value` not yet used by another `model` row within `scope`."""
    base = make_slug(value, max_length) or "item"
    slug, n = base, 2
    others = model.objects.filter(**scope)
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    while others.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
        n += 1
    return slug
