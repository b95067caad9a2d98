"""The media library: every picture the newsroom owns, with its credit and
rights, and where it is used."""

import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import (
    FileExtensionValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from ..validators import _random_name, validate_image
from .common import (
    IMAGE_EXTENSIONS,
    LANGUAGE_CHOICES,
    StoredDimensionsImageField,
    can_publish,
    site_language,
)
from .search import SEARCH_CONFIG, LanguageMark, ReadQuery, _search_words

# An item's key: the first 20 hex digits of the SHA-256 of its original's
# bytes (articles.images.content_key; its renditions' folder).
KEY_LENGTH = 20


def library_image_path(instance, filename: str) -> str:
    return _random_name("library", filename)


class LibraryImageQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The items `user` may see in the back office: every one for those
        who may publish. For others, an image used only in stories they may
        not open stays out of sight (an embargoed product's photo names the
        story), unless they uploaded it; images used nowhere are the photo
        desk's shared pool and are seen by all."""
        from .article import Article

        if can_publish(user):
            return self
        openable = Article.objects.openable_by(user)
        hidden = Article.objects.exclude(pk__in=openable.values("pk"))
        return self.filter(
            Q(uploaded_by=user)
            | Exists(openable.filter(image_keys__contains=[OuterRef("key")]).order_by())
            | ~Exists(hidden.filter(image_keys__contains=[OuterRef("key")]).order_by())
        )

    def matching(self, query: str, *, or_title_starting: bool = False):
        """Items whose title, tags, caption, credit or source match `query`
        (the site's full-text search, read in every language it knows);
        with `or_title_starting`, also those whose title starts with it."""
        from .search import every_language_reading

        reading = every_language_reading(query, using=self.db)
        condition = Q(search_vector=ReadQuery(reading)) if reading else Q(pk__in=[])
        if or_title_starting:
            condition |= Q(title__istartswith=query)
        return self.filter(condition)

    def expired(self, on: datetime.date | None = None):
        """Items whose licence has run out by `on` (today)."""
        return self.filter(licence_expires_on__lt=on or timezone.localdate())

    # Whether a picture is used is asked of the keys every story names, once
    # (one hash join), rather than of the stories' index once per picture:
    # counting the unused among 100,000 pictures takes a fifth of the time.

    def unused(self):
        """Items no story shows (in its body or as featured) and no author
        has as their photo."""
        from .taxonomy import AuthorProfile

        table = self.model._meta.db_table
        in_a_story = RawSQL(
            "NOT EXISTS (SELECT 1 FROM (SELECT unnest(image_keys) AS key FROM "
            "articles_article WHERE image_keys <> '{}') AS used "
            f'WHERE used.key = "{table}"."key")',
            (),
            output_field=models.BooleanField(),
        )
        return self.filter(in_a_story).exclude(
            Exists(AuthorProfile.objects.filter(photo_item=OuterRef("key")))
        )

    def used_in_published(self):
        """Items a published story shows."""
        from .article import Article

        shown = (
            Article.objects.published()
            .exclude(image_keys=[])
            .annotate(key=Func(F("image_keys"), function="unnest"))
            .values("key")
        )
        return self.filter(key__in=shown)


class LibraryImage(models.Model):
    """A picture of the newsroom's: its original (private), its renditions
    (public, re-encoded: no EXIF or GPS data), its credit and rights."""

    class Licence(models.TextChoices):
        OWN = "own", "Own (staff photographer)"
        AGENCY = "agency", "Agency"
        HANDOUT = "handout", "Handout"
        CC_BY = "cc-by", "Creative Commons BY"
        CC_BY_SA = "cc-by-sa", "Creative Commons BY-SA"
        CC_BY_ND = "cc-by-nd", "Creative Commons BY-ND"
        CC_BY_NC = "cc-by-nc", "Creative Commons BY-NC"
        CC_BY_NC_SA = "cc-by-nc-sa", "Creative Commons BY-NC-SA"
        CC_BY_NC_ND = "cc-by-nc-nd", "Creative Commons BY-NC-ND"
        CC0 = "cc0", "Creative Commons CC0 (public domain)"
        UNKNOWN = "unknown", "Not known yet"

    key = models.CharField(max_length=KEY_LENGTH, unique=True, editable=False)
    file = StoredDimensionsImageField(
        "original",
        upload_to=library_image_path,
        width_field="width",
        height_field="height",
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image],
        help_text="JPEG, PNG, WebP or GIF, up to 10 MB. Kept private: readers "
        "see re-encoded sizes only, without the camera's location data.",
    )
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    file_size = models.PositiveIntegerField("bytes", null=True, editable=False)
    title = models.CharField(max_length=200)
    alt = models.CharField(
        "alt text",
        max_length=250,
        blank=True,
        help_text="Describes the picture for readers who cannot see it; "
        "offered when a story uses it (each story may word it its own way).",
    )
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(
        max_length=120, blank=True, help_text="Printed as “Photo: …”."
    )
    source = models.CharField(
        "source or agency", max_length=120, blank=True, help_text="E.g. Reuters."
    )
    licence = models.CharField(
        max_length=12, choices=Licence.choices, default=Licence.UNKNOWN
    )
    licence_expires_on = models.DateField(
        "licence expires on",
        null=True,
        blank=True,
        help_text="After this day the picture is flagged, publishing a story "
        "with it asks first, and the daily rights report lists the stories "
        "still showing it.",
    )
    tags = models.CharField(
        max_length=300, blank=True, help_text="Words to find it by, comma-separated."
    )
    language = models.CharField(
        max_length=15,
        choices=LANGUAGE_CHOICES,
        default=site_language,
        help_text="The language of the title and caption (for the search).",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Where crops centre, as fractions of the width and height (0.5, 0.5:
    # the middle); set by clicking on the picture.
    focal_x = models.FloatField(
        default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    focal_y = models.FloatField(
        default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    # What articles.images.make_renditions described (widths and crops),
    # made by a worker; empty until then.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector(
            _search_words("title"), weight="A", config=SEARCH_CONFIG
        )
        + SearchVector(_search_words("tags"), weight="A", config=SEARCH_CONFIG)
        + SearchVector(_search_words("caption"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(_search_words("credit"), weight="C", config=SEARCH_CONFIG)
        + SearchVector(_search_words("source"), weight="C", config=SEARCH_CONFIG)
        + LanguageMark(models.F("language")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = LibraryImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "library image"
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1)
                & Q(focal_y__gte=0, focal_y__lte=1),
                name="library_focal_point_inside",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="library_recent_idx"),
            models.Index(fields=["uploaded_by", "-created_at"], name="library_by_idx"),
            models.Index(
                fields=["licence_expires_on"],
                name="library_expiry_idx",
                condition=Q(licence_expires_on__isnull=False),
            ),
            GinIndex(fields=["search_vector"], name="library_search_idx"),
            # The search's "title starts with" (UPPER(title) LIKE 'ROCK%').
            models.Index(
                OpClass(Upper("title"), name="varchar_pattern_ops"),
                name="library_title_start_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("admin:articles_libraryimage_change", args=[self.pk])

    @property
    def is_expired(self) -> bool:
        return bool(
            self.licence_expires_on and self.licence_expires_on < timezone.localdate()
        )

    @property
    def credit_line(self) -> str:
        """Credit and source as a caption prints them ("Ana Ruiz / Reuters")."""
        return " / ".join(part for part in (self.credit, self.source) if part)
