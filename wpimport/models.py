from django.conf import settings
from django.db import models

from articles.models import Article


class ImportSource(models.Model):
    """A WordPress site we imported from (its base URL)."""

    site_url = models.URLField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site_url"]

    def __str__(self):
        return self.site_url


class ImportedObject(models.Model):
    """Maps a WordPress id to the row it became, with a checksum of the data
    it came from, so re-imports skip unchanged items and update changed ones."""

    class Kind(models.TextChoices):
        AUTHOR = "author"
        CATEGORY = "category"
        TAG = "tag"
        POST = "post"
        COMMENT = "comment"

    source = models.ForeignKey(ImportSource, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    wp_id = models.CharField(max_length=200)
    object_id = models.BigIntegerField()
    checksum = models.CharField(max_length=40)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["source", "kind", "wp_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "wp_id"], name="imported_object_unique"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.wp_id} → {self.object_id}"


class LegacyRedirect(models.Model):
    """An old WordPress address (path, or "/?p=<id>") of an imported article."""

    old_path = models.CharField(max_length=500, unique=True)
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="legacy_redirects"
    )

    class Meta:
        ordering = ["old_path"]

    def __str__(self):
        return f"{self.old_path} → {self.article_id}"


class ImportRun(models.Model):
    """One import started from the admin; the task fills progress and report."""

    class Status(models.TextChoices):
        AUTHORS = "authors", "Waiting for its authors to be matched"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # The uploaded files hold commenters' e-mails and addresses: they stay in
    # the private storage and are deleted when the run ends (wpimport.tasks).
    export_file = models.FileField(
        "WXR export",
        upload_to="imports/",
        help_text="The .xml file from WordPress: Tools → Export → All content. "
        "Deleted when the import ends (its report stays).",
    )
    uploads_zip = models.FileField(
        "uploads (zip)",
        upload_to="imports/",
        blank=True,
        help_text="Optional: a zip of wp-content/uploads, for featured images.",
    )
    export_name = models.CharField(
        "file imported", max_length=255, blank=True, editable=False
    )
    authors = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The authors the export names (login, e-mail, name).",
    )
    author_map = models.JSONField(
        "authors matched",
        default=dict,
        blank=True,
        editable=False,
        help_text="WordPress login → the existing account the person importing "
        "chose; any other author becomes a new account.",
    )
    dry_run = models.BooleanField(
        default=False, help_text="Read and report only; change nothing."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "WordPress import"

    def __str__(self):
        return f"Import #{self.pk} ({self.get_status_display()})"
