"""The article, its QuerySet (every read rule of the site) and its
byline."""

import mimetypes

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.validators import FileExtensionValidator
from django.db import OperationalError, connections, models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info
from django_prose_editor.fields import ProseEditorField
from psycopg.errors import QueryCanceled

from infra import replica
from infra.sqlcache import AnyOf

from ..html import (
    EDITOR_EXTENSIONS,
    first_image,
    html_to_text,
    image_keys_in,
    sanitize_html,
)
from ..validators import (
    article_image_path,
    validate_image,
    validate_web_url,
    web_url_only,
)
from .common import (
    IMAGE_EXTENSIONS,
    LANGUAGE_CHOICES,
    PUBLISH_CODENAME,
    StoredDimensionsImageField,
    can_publish,
    make_slug,
    site_language,
)
from .search import (
    SEARCH_CANDIDATES,
    SEARCH_CONFIG,
    LanguageMark,
    ReadQuery,
    SearchTooSlow,
    _search_words,
    every_language_reading,
    rank_query,
)
from .taxonomy import AuthorProfile, Section, Tag


def _involving(user) -> Q:
    """Created by `user`, or with `user` in the byline (a subquery: no
    duplicate rows, no DISTINCT)."""
    bylined = ArticleAuthor.objects.filter(author__user=user).values("article_id")
    return Q(created_by=user) | Q(pk__in=bylined)


# The columns an article card (listings, related, neighbours) shows.
# The one rule on a story's section: needed to publish, not to save.
SECTION_TO_PUBLISH = "Choose a section to publish: a published story always has one."

CARD_FIELDS = [
    "id",
    "title",
    "slug",
    "standfirst",
    "pub_date",
    "published_at",
    "featured_image",
    "featured_image_width",
    "featured_image_height",
    "featured_image_renditions",
    "featured_image_alt",
    "section_id",
    "language",
    "comment_count",
    "body_image",
]


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """Visible to readers: status published and publication time reached
        (now, or `at`: a Slot of infra/sqlcache.py).

        A future `published_at` makes a story appear on time with no cron job.
        """
        return self.filter(
            status=Article.Status.PUBLISHED,
            published_at__lte=timezone.now() if at is None else at,
        )

    def scheduled(self):
        """Published with a publication time still to come."""
        return self.filter(
            status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
        )

    def schedule(self, now):
        """(The latest publication time reached by `now`, the next one to
        come) among published stories, each None if there is none: one
        query of two index probes."""
        published = self.filter(status=Article.Status.PUBLISHED)

        def probe(kind, **where):
            order = "-published_at" if kind == "shown" else "published_at"
            return (
                published.filter(**where)
                .annotate(kind=Value(kind))
                .order_by(order)
                .values_list("kind", "published_at")[:1]
            )

        found = dict(
            probe("shown", published_at__lte=now)
            .union(probe("due", published_at__gt=now), all=True)
            .order_by()
        )
        return found.get("shown"), found.get("due")

    def in_section(self, section):
        return self.filter(section=section)

    def by_author(self, author):
        return self.filter(authors=author)

    def tagged(self, tag):
        return self.filter(tags=tag)

    def for_listing(self):
        """Columns and joins needed by article cards (section label, image)."""
        return self.select_related("section").defer("body", "body_text")

    def latest_first(self):
        return self.order_by("-published_at", "-pk")

    def cards(self):
        """Only the columns an article card shows (no body)."""
        return self.only(*CARD_FIELDS)

    def latest_per_section(self, sections, count: int):
        """The newest `count` articles of every section in `sections`, as one
        UNION ALL of one small index scan per section (a window over every
        published article would read them all)."""
        base = self.cards().latest_first()
        parts = [base.filter(section_id=s.pk)[:count] for s in sections]
        if not parts:
            return self.none()
        return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    def neighbours_of(self, *, at, pk, section_id, tag_ids, related: int):
        """In one query: the article before and after article `pk`
        (published `at`, in `section_id`, tagged `tag_ids`) in publication
        order and `related` others of its section or tags, each row annotated
        with `kind` ("previous", "next", "related") and its section's name and
        slug."""
        base = self.cards().annotate(
            section_name=F("section__name"), section_slug=F("section__slug")
        )
        previous = (
            # The plain range lets the index bound the scan; the OR breaks ties.
            base.filter(published_at__lte=at)
            .filter(Q(published_at__lt=at) | Q(pk__lt=pk))
            .annotate(kind=Value("previous"))
            .order_by("-published_at", "-pk")[:1]
        )
        following = (
            base.filter(published_at__gte=at)
            .filter(Q(published_at__gt=at) | Q(pk__gt=pk))
            .annotate(kind=Value("next"))
            .order_by("published_at", "pk")[:1]
        )
        shares_tag = Exists(
            Article.tags.through.objects.filter(article_id=OuterRef("pk")).filter(
                AnyOf(F("tag_id"), tag_ids)
            )
        )
        related_rows = (
            base.exclude(pk=pk)
            .filter(Q(section_id=section_id) | shares_tag)
            .annotate(kind=Value("related"))
            .order_by("-published_at", "-pk")[:related]
        )
        return previous.union(following, related_rows, all=True)

    def search_ranking(self, query: str) -> list[int]:
        """The ids of the stories matching `query` (web-search syntax), best
        first. The query is read in every language the search knows
        (newsroom_search_query, articles migration 0008) and a story matches
        when one reading matches its own words.

        A common word matches nearly every story: only the newest
        SEARCH_CANDIDATES matches are ranked, so a search costs about the
        same whatever the word. The query is read once, then one statement
        finds and ranks: PostgreSQL walks the publication-time index (or, for
        a rare word, reads the GIN index) and ranks each candidate as it reads
        it; the at most SEARCH_CANDIDATES (id, rank) pairs are ordered here.
        The count of results is the length of the list: no second pass over
        the matches.

        Raises SearchTooSlow past NEWSROOM_SEARCH_TIMEOUT_MS (a phrase of
        common words that is itself rare makes PostgreSQL check every
        story)."""
        database = connections[self.db]
        # Inside a caller's transaction this is a savepoint, and the limit
        # would outlast it: it is lifted again before the savepoint ends.
        nested = database.in_atomic_block
        with replica.atomic(self.db):  # the time limit's scope
            reading = every_language_reading(query, using=self.db)
            rows = []
            if reading:
                candidates = (
                    self.filter(search_vector=ReadQuery(reading))
                    .order_by("-published_at", "-pk")
                    .annotate(
                        rank=SearchRank(
                            F("search_vector"), ReadQuery(rank_query(reading))
                        )
                    )
                    .values_list("pk", "rank")[:SEARCH_CANDIDATES]
                )
                try:
                    rows = list(candidates)
                except OperationalError as error:
                    if isinstance(error.__cause__, QueryCanceled):
                        raise SearchTooSlow(query) from error
                    raise
            if nested:
                with database.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
        # They come newest first, and a stable sort keeps that order among
        # equal ranks: best rank, then newest.
        return [pk for pk, _ in sorted(rows, key=lambda row: -row[1])]

    def matching(self, query: str):
        """The stories whose words match `query` (web-search syntax, read in
        every language the search knows), unranked: the admin's search of
        bodies. Nothing for a query without a word."""
        reading = every_language_reading(query, using=self.db)
        if not reading:
            return self.none()
        return self.filter(search_vector=ReadQuery(reading))

    def with_snippets(self, query: str):
        """Each story with a `snippet` of its text around `query`'s words, the
        matches between \\x02 and \\x03 (views.highlight turns them into
        <mark>). Costly per row: only for the page shown."""
        return self.annotate(
            snippet=SearchHeadline(
                "body_text",
                # The story's own reading of the query, for highlighting.
                SearchQuery(
                    _search_words(Value(query)),
                    config=SEARCH_CONFIG,
                    search_type="websearch",
                ),
                config=SEARCH_CONFIG,
                start_sel="\x02",
                stop_sel="\x03",
                max_words=35,
                min_words=15,
                max_fragments=2,
            )
        )

    def involving(self, user):
        """Articles `user` created or has a byline on."""
        return self.filter(_involving(user))

    def desk(self, user, *, everyone: bool, limit: int = 10) -> dict:
        """The desk's lists for `user` (everyone's when `everyone`): drafts,
        in review (oldest first), scheduled (soonest first), recently
        published; each at most `limit`, with the counts."""
        mine = self if everyone else self.involving(user)
        lists = {
            "drafts": mine.filter(status=Article.Status.DRAFT).order_by("-updated_at"),
            "in_review": mine.filter(status=Article.Status.IN_REVIEW).order_by(
                "updated_at"
            ),
            "scheduled": mine.scheduled().order_by("published_at"),
            "published": mine.published().order_by("-published_at"),
        }
        return {
            name: {
                "items": list(
                    qs.select_related("created_by").defer("body", "body_text")[:limit]
                ),
                "count": qs.count() if name != "published" else None,
            }
            for name, qs in lists.items()
        }

    def editable_by(self, user):
        """Articles `user` may change in the back office."""
        if can_publish(user):
            return self
        return self.involving(user).filter(
            status__in=[Article.Status.DRAFT, Article.Status.IN_REVIEW]
        )

    def showing_expired_pictures(self, on=None):
        """Stories showing a library picture whose licence has run out by
        `on` (today): one query (the GIN index on image_keys), however many
        pictures have expired."""
        # The library's model through the featured picture's key (no import:
        # .library reads this module).
        library = self.model._meta.get_field("featured_item").related_model
        expired = library.objects.expired(on).values("key")
        return self.filter(image_keys__overlap=ArraySubquery(expired))

    def openable_by(self, user):
        """Articles `user` may see in the back office (listed, searched,
        read, their history, revisions and locks): every one for those who
        may publish; for others, what readers already see and their own
        stories in any state. An embargo holds inside the newsroom: as in
        WordPress, a journalist never opens a colleague's draft, story in
        review or scheduled story."""
        if can_publish(user):
            return self
        return self.filter(
            Q(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())
            | _involving(user)
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        allow_unicode=True,
        max_length=200,
        help_text="Part of the address; unique per publication date. Changing it "
        "after publishing breaks existing links.",
    )
    standfirst = models.TextField(
        blank=True,
        max_length=500,
        help_text="One or two sentences under the headline; also the search and "
        "social-media description.",
    )
    body = ProseEditorField(
        extensions=EDITOR_EXTENSIONS,
        sanitize=True,
        blank=True,
        help_text="Sanitized on save: scripts, styles and unknown tags are removed.",
    )
    body_text = models.TextField(editable=False, blank=True)
    featured_image = StoredDimensionsImageField(
        upload_to=article_image_path,
        blank=True,
        width_field="featured_image_width",
        height_field="featured_image_height",
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image],
        help_text="JPEG, PNG, WebP or GIF, up to 10 MB. Responsive sizes are made "
        "on upload.",
    )
    # The library item the featured image is (articles.models.library).
    featured_item = models.ForeignKey(
        "articles.LibraryImage",
        to_field="key",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="featured image from the library",
        help_text="Search the library and pick, or upload a new image above.",
    )
    featured_image_width = models.PositiveIntegerField(null=True, editable=False)
    featured_image_height = models.PositiveIntegerField(null=True, editable=False)
    featured_image_renditions = models.JSONField(
        default=dict, blank=True, editable=False
    )
    featured_image_alt = models.CharField(
        "alt text",
        max_length=250,
        blank=True,
        help_text="Describes the image for readers who cannot see it. Required "
        "with an image.",
    )
    featured_image_caption = models.CharField("caption", max_length=300, blank=True)
    featured_image_credit = models.CharField("credit", max_length=120, blank=True)
    # Required to publish, not to save a draft (SECTION_TO_PUBLISH; the
    # constraint below holds it for every writer).
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        related_name="articles",
        null=True,
        blank=True,
        help_text="Required to publish; a draft may wait for one.",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    authors = models.ManyToManyField(
        AuthorProfile,
        through="ArticleAuthor",
        related_name="articles",
        help_text="Byline order is the order given here.",
    )
    source_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="The outlet the story is based on, shown under the story as "
        "“Source: ” followed by this name.",
    )
    source_url = models.URLField(
        blank=True, max_length=500, validators=[validate_web_url]
    )
    # The item's id at the agency it came from (wire copy through the API:
    # "<agency>:<its id>"), so a feed read twice makes one story.
    external_id = models.CharField(
        max_length=300, blank=True, default="", db_default="", editable=False
    )
    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Readers see only Published articles whose publication time has "
        "come.",
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A future time schedules the article: it appears then, on its own.",
    )
    pub_date = models.DateField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    language = models.CharField(
        max_length=15,
        choices=LANGUAGE_CHOICES,
        default=site_language,
        help_text="The language the story is written in: browsers, screen readers "
        "and search engines read it in that language (right to left for Arabic, "
        "Hebrew, Persian and Urdu).",
    )
    comments_open = models.BooleanField(
        default=True, help_text="Untick to close the comment form on this article."
    )
    # A live blog: coverage from `live_started_at` (its entries show under
    # the story and update in open pages) until `live_ended_at`.
    live_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    live_ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The body's first image of the site's own (src, alt, width, height),
    # made on save: the card, social card and JSON-LD picture of a story
    # without a featured image.
    body_image = models.JSONField(default=dict, blank=True, editable=False)
    # The library keys of every image the story shows (featured first, then
    # the body's), made on save: "used in", the rights checks and the
    # refusal to delete a used picture read it.
    image_keys = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, editable=False
    )
    # The cards' "12 comments": kept by the comments app's periodic recount
    # (comments.counts), never per comment, so a burst of comments does not
    # empty the cached listings; it may lag a few minutes.
    comment_count = models.PositiveIntegerField(
        "published comments", default=0, db_default=0, editable=False
    )
    # Kept in the row, not out of line (storage MAIN, migration 0020): a
    # search reads it story after story. A migration that adds this column
    # again must set that again (tests/articles/test_query_plans.py checks).
    search_vector = models.GeneratedField(
        expression=SearchVector(
            _search_words("title"), weight="A", config=SEARCH_CONFIG
        )
        + SearchVector(_search_words("standfirst"), weight="B", config=SEARCH_CONFIG)
        + SearchVector(_search_words("body_text"), weight="C", config=SEARCH_CONFIG)
        + LanguageMark(F("language")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [
            (PUBLISH_CODENAME, "Can publish, schedule and unpublish articles"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pub_date", "slug"], name="article_slug_unique_per_date"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(section__isnull=False),
                name="article_published_has_section",
                violation_error_message=SECTION_TO_PUBLISH,
            ),
            models.CheckConstraint(
                condition=web_url_only("source_url"), name="article_source_url_is_web"
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="article_external_id_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "-published_at"], name="article_status_pub_idx"
            ),
            models.Index(
                fields=["section", "status", "-published_at"],
                name="article_section_pub_idx",
            ),
            GinIndex(fields=["search_vector"], name="article_search_idx"),
            GinIndex(fields=["image_keys"], name="article_image_keys_idx"),
            # Every picture key the stories name, read without the stories'
            # rows (the library's "used nowhere" and "used in published").
            models.Index(
                fields=["id"],
                include=["image_keys", "status", "published_at"],
                condition=~Q(image_keys=[]),
                name="article_with_images_idx",
            ),
            # The articles saved in the last minutes (the comment recount).
            models.Index(fields=["updated_at"], name="article_updated_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        from ..images import public_url

        self.body = sanitize_html(self.body)
        self.body_text = html_to_text(self.body)
        self.body_image = first_image(self.body, prefix=public_url(""))
        self.image_keys = self.compute_image_keys()
        if not self.slug:
            self.slug = make_slug(self.title, 200) or "article"
        self.pub_date = (
            timezone.localdate(self.published_at) if self.published_at else None
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "body_text",
                "pub_date",
                "image_keys",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        if not self.pub_date:
            return reverse("articles:preview", kwargs={"pk": self.pk})
        return reverse(
            "articles:detail",
            kwargs={
                "year": self.pub_date.year,
                "month": f"{self.pub_date.month:02d}",
                "day": f"{self.pub_date.day:02d}",
                "slug": self.slug,
            },
        )

    @property
    def text_direction(self) -> str:
        """ "rtl" for a right-to-left language, else "ltr"."""
        try:
            return "rtl" if get_language_info(self.language)["bidi"] else "ltr"
        except KeyError:
            return "ltr"

    def compute_image_keys(self) -> list[str]:
        """The library keys of the pictures the story shows: the featured
        image's, then the body's (Article.image_keys)."""
        featured = [self.featured_item_id] if self.featured_item_id else []
        return list(dict.fromkeys(featured + image_keys_in(self.body)))

    @property
    def share_image_url(self) -> str:
        """The image for social cards and JSON-LD: the 1200×630 crop around
        the picture's focal point, or the largest rendition (re-encoded, so
        without the upload's EXIF/GPS data); none until the renditions are
        made (the upload itself is never shown)."""
        from ..images import public_url

        fallback = self._share_renditions.get("fallback")
        if fallback:
            return public_url(fallback[-1][0])
        if self.featured_image:
            return ""  # its renditions are being made
        return (self.body_image or {}).get("src", "")

    @property
    def _share_renditions(self) -> dict:
        renditions = self.featured_image_renditions or {}
        return renditions.get("crops", {}).get("social") or renditions

    @property
    def share_image_file(self) -> tuple[str, str, int | None] | None:
        """(URL, MIME type, size in bytes if known) of the story's picture,
        whole (its largest rendition): a feed's enclosure. Renditions made
        before their sizes were recorded say None."""
        from ..images import public_url

        renditions = self.featured_image_renditions or {}
        fallback = renditions.get("fallback")
        if not fallback:
            url = self.share_image_url  # the body's first image, if any
            return (url, mimetypes.guess_type(url)[0] or "", None) if url else None
        name = fallback[-1][0]  # the whole picture, not the social crop
        size = renditions.get("bytes", {}).get(name)
        return public_url(name), renditions.get("fallback_type", ""), size

    @property
    def is_published(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def has_been_public(self) -> bool:
        """Readers have seen it: published now, or taken down after its
        publication time (unpublishing keeps published_at). A story
        scheduled and pulled before its time never was."""
        return self.published_at is not None and self.published_at <= timezone.now()

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def is_live_blog(self) -> bool:
        return self.live_started_at is not None

    @property
    def is_live_now(self) -> bool:
        """Live coverage running: entries arrive in open pages."""
        return self.live_started_at is not None and self.live_ended_at is None

    @property
    def was_updated(self) -> bool:
        """Changed noticeably after publication (for "Updated <date>")."""
        return bool(
            self.published_at
            and self.updated_at
            and (self.updated_at - self.published_at).total_seconds() > 600
        )

    @property
    def display_status(self) -> str:
        """ "Draft", "In review", "Scheduled for … (zone)", "Published …"."""
        if self.status == self.Status.PUBLISHED and self.published_at:
            local = timezone.localtime(self.published_at)
            when = f"{local:%Y-%m-%d %H:%M} ({local:%Z})"
            return f"Scheduled for {when}" if self.is_scheduled else f"Published {when}"
        return self.get_status_display()


class ArticleAuthor(models.Model):
    """An author in an article's byline; `position` keeps the byline order."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="bylines"
    )
    author = models.ForeignKey(
        AuthorProfile, on_delete=models.PROTECT, related_name="bylines"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author"], name="article_author_unique"
            )
        ]

    def __str__(self):
        return f"{self.author} on {self.article}"
