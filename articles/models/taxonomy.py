"""Sections, tags and author profiles: what every page shows around a
story."""

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse

from ..validators import (
    author_photo_path,
    validate_image,
    validate_web_url,
    web_url_only,
)
from .common import IMAGE_EXTENSIONS, unique_slug


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(allow_unicode=True, max_length=80, unique=True)
    description = models.TextField(
        blank=True, help_text="Shown on the section page and in its feed."
    )
    position = models.PositiveSmallIntegerField(
        default=0,
        help_text="Order in the site navigation and on the home page (lowest first).",
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(allow_unicode=True, max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:tag", kwargs={"slug": self.slug})


class AuthorProfileQuerySet(models.QuerySet):
    def active(self):
        """Profiles shown to readers."""
        return self.filter(is_active=True)


class AuthorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="author_profile",
    )
    display_name = models.CharField(
        max_length=120, help_text="The name printed in bylines and the author box."
    )
    slug = models.SlugField(
        allow_unicode=True,
        max_length=120,
        unique=True,
        help_text="Part of the author page address.",
    )
    job_title = models.CharField(max_length=120, blank=True)
    bio = models.TextField(
        blank=True, help_text="Shown in the author box under each article."
    )
    photo = models.ImageField(
        upload_to=author_photo_path,
        blank=True,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image],
        help_text="Square works best; shown as a 96 px circle.",
    )
    # The photo readers see: a re-encoded square (no EXIF or GPS data) in
    # the public storage, made by a worker (articles.tasks); empty until then.
    photo_rendition = models.CharField(max_length=200, blank=True, editable=False)
    # The photo's library item (articles.models.library), set with the photo.
    photo_item = models.ForeignKey(
        "articles.LibraryImage",
        to_field="key",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    website = models.URLField(blank=True, validators=[validate_web_url])
    twitter = models.URLField("X / Twitter", blank=True, validators=[validate_web_url])
    linkedin = models.URLField("LinkedIn", blank=True, validators=[validate_web_url])
    is_active = models.BooleanField(
        default=True,
        help_text="Inactive authors have no public page; their bylines stay.",
    )

    objects = AuthorProfileQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=web_url_only(name), name=f"author_{name}_is_web"
            )
            for name in ("website", "twitter", "linkedin")
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(
                AuthorProfile, self.display_name, instance=self, max_length=120
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})

    @property
    def photo_url(self) -> str:
        from ..images import public_url

        return public_url(self.photo_rendition) if self.photo_rendition else ""
