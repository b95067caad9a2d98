"""The article form: byline inline, autosave and body images."""

import secrets

from django import forms
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import FileExtensionValidator
from django.http import (
    QueryDict,
)
from django.utils import timezone

from infra.admin import NamedTabularInline

from .. import services, workflow
from ..html import empty_images, figure_of, html_to_text, image_keys_in
from ..images import (
    STORAGE_ERRORS,
    refuse_uploads_while_storage_is_down,
)
from ..language import other_language
from ..models import (
    IMAGE_EXTENSIONS,
    LANGUAGE_CHOICES,
    SECTION_TO_PUBLISH,
    Article,
    ArticleAuthor,
    LibraryImage,
    fit,
    person_name,
)
from ..validators import validate_image


class ArticleAuthorInline(NamedTabularInline):
    model = ArticleAuthor
    extra = 1
    min_num = 0
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    verbose_name = "byline author"
    verbose_name_plural = "Byline (in order: lowest position first)"


def _shown(value) -> str:
    """A form or model value as the conflict table shows it."""
    if hasattr(value, "all"):  # tags: the stored relation or the chosen ones
        return ", ".join(sorted(str(v) for v in value.all())) or "—"
    if hasattr(value, "isoformat"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
    return services.shown_value(value)


# What an autosave keeps of the article form: its own fields (the date and
# time of `published_at` come as two parts), never files or tokens.
AUTOSAVED = {
    "title", "slug", "standfirst", "body", "section", "tags", "language",
    "featured_image_alt", "featured_image_caption", "featured_image_credit",
    "source_name", "source_url", "status", "published_at_0", "published_at_1",
    "comments_open",
}  # fmt: skip
CHECKBOXES = {"comments_open"}
# The fields holding the story's own words (in its language and script).
TEXT_FIELDS = (
    "title",
    "standfirst",
    "body",
    "featured_image_alt",
    "featured_image_caption",
    "featured_image_credit",
    "source_name",
)


def autosaved_fields(posted: QueryDict) -> dict:
    return {name: posted.getlist(name) for name in AUTOSAVED if name in posted}


def restored_initial(data: dict) -> dict:
    """An autosaved copy as the article form's initial values."""
    initial = {}
    for name, values in data.items():
        if name in ("published_at_0", "published_at_1") or name in CHECKBOXES:
            continue
        initial[name] = values if name == "tags" else (values[0] if values else "")
    if "published_at_0" in data:
        initial["published_at"] = [
            (data.get("published_at_0") or [""])[0],
            (data.get("published_at_1") or [""])[0],
        ]
    for name in CHECKBOXES:
        initial[name] = name in data
    return initial


class BodyImageForm(forms.Form):
    image = forms.ImageField(
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_image]
    )


class ArticleAdminForm(forms.ModelForm):
    # The stored article's version when this form was opened: a save from an
    # older form is refused with what changed (never applied blindly).
    loaded_at = forms.CharField(required=False, widget=forms.HiddenInput)
    # An image chosen in a save that failed (another field's error): kept in
    # storage and used by the next save, since a browser cannot refill a
    # file input (signed: a form cannot name any other file).
    pending_image = forms.CharField(required=False, widget=forms.HiddenInput)
    # Shown after the form asked (ArticleAdmin.get_fieldsets: on a POST).
    language_confirmed = forms.BooleanField(
        required=False,
        label="The language above is right",
        help_text="Tick to keep it when the text reads like another language.",
    )
    # Shown after the form asked (a story about to be published that shows
    # a picture whose licence has run out).
    rights_confirmed = forms.BooleanField(
        required=False,
        label="Publish with the expired picture(s)",
        help_text="Tick to publish anyway (the rights report keeps listing it).",
    )
    conflict = None
    empty_images = 0
    made_featured = None
    PENDING_SALT = "articles.pending-image"

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "standfirst",
            "body",
            "section",
            "tags",
            "featured_image",
            "featured_item",
            "featured_image_alt",
            "featured_image_caption",
            "featured_image_credit",
            "source_name",
            "source_url",
            "status",
            "published_at",
            "language",
            "comments_open",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The state the story was in when the form was made (the admin loads
        # it fresh), which decides the buttons and the Status menu.
        self.state = workflow.state_of_article(self.instance)
        if self.instance.pk and not self.is_bound:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()
        if user is not None and "status" in self.fields:
            self.fields["status"].choices = workflow.statuses(user, self.state)
        # Stories are written in any script: each field takes the direction
        # of what is typed in it (an Arabic title ends at the left). The
        # body editor's paragraphs do the same (admin/css/articles.css).
        for name in TEXT_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs["dir"] = "auto"
        if "language" in self.fields:
            # Its default is the site's (a callable), so Django would also
            # send a hidden copy of the initial value, wrongly carrying the
            # help text's aria-describedby (invalid on a hidden input). The
            # form never needs it: has_changed compares with `initial`.
            self.fields["language"].show_hidden_initial = False

    def _apply_workflow(self, cleaned) -> None:
        """Apply the pressed button (`_workflow`): its status, and its time."""
        action = self.data.get("_workflow")
        if not action or self.user is None:
            return
        transition = workflow.find(self.user, self.state, action)
        if transition is None:
            self.add_error(None, "That action is not open to you on this story.")
            return
        cleaned["status"] = transition.status
        if transition.time == "now":
            cleaned["published_at"] = timezone.now()
        elif transition.time == "future":
            at = cleaned.get("published_at")
            if at is None or at <= timezone.now():
                zone = timezone.get_current_timezone_name()
                self.add_error(
                    "published_at" if "published_at" in self.fields else None,
                    f"To schedule, set a future date and time ({zone}).",
                )

    def _use_library_pictures(self, cleaned) -> None:
        """A picture picked from the library (or a body picture made the
        featured image, `_make_featured`) becomes the featured image with
        its alt text, caption and credit, except those the editor wrote in
        this same save (the previous picture's words do not stay); a
        cleared pick removes the featured image. A new upload wins."""
        if self.files.get("featured_image") or self.pending_image_name():
            return
        body_key = self.data.get("_make_featured")
        item = cleaned.get("featured_item")
        if body_key:
            item = self._visible_items().filter(key=body_key).first()
            if item is None or body_key not in image_keys_in(cleaned.get("body", "")):
                self.add_error(None, "That picture is not in the body any more.")
                return
            figure = figure_of(cleaned.get("body", ""), body_key)
            cleaned["featured_item"] = item
            cleaned["featured_image_alt"] = figure.get("alt") or item.alt
            cleaned["featured_image_caption"] = fit(
                Article, "featured_image_caption", figure.get("caption", "")
            )
            cleaned["featured_image_credit"] = ""
            self.made_featured = item
        elif "featured_item" not in self.changed_data:
            return
        if item is None:
            cleaned["featured_image"] = False  # the pick cleared: no image
            return
        cleaned["featured_image"] = item.file.name
        if not body_key:
            for name, value in (
                ("featured_image_alt", item.alt),
                ("featured_image_caption", item.caption),
                ("featured_image_credit", item.credit_line),
            ):
                if name not in self.changed_data or not cleaned.get(name):
                    cleaned[name] = fit(Article, name, value)

    def _visible_items(self):
        items = LibraryImage.objects.all()
        return items.visible_to(self.user) if self.user is not None else items

    def _ask_about_expired_pictures(self, cleaned, status) -> None:
        """Publishing a story that shows a picture whose licence has run out
        asks first (rights_confirmed)."""
        if status != Article.Status.PUBLISHED or cleaned.get("rights_confirmed"):
            return
        item = cleaned.get("featured_item")
        keys = [item.key] if item else []
        keys += image_keys_in(cleaned.get("body") or "")
        expired = list(LibraryImage.objects.expired().filter(key__in=keys))
        if expired:
            names = ", ".join(f"“{i.title}”" for i in expired)
            self.add_error(
                None,
                f"The licence of {names} has run out. Replace the picture, or "
                "tick “Publish with the expired picture(s)” to publish anyway.",
            )

    def _ask_about_the_language(self, cleaned) -> None:
        """A story whose text is clearly in another language than the one
        chosen (left at the site's default, say) is asked about once."""
        chosen = cleaned.get("language")
        if not chosen or cleaned.get("language_confirmed"):
            return
        text = " ".join(
            [
                cleaned.get("title") or "",
                cleaned.get("standfirst") or "",
                html_to_text(cleaned.get("body") or ""),
            ]
        )
        codes = [code for code, _ in LANGUAGE_CHOICES]
        likely = other_language(text, chosen, codes)
        if likely is None:
            return
        names = dict(LANGUAGE_CHOICES)
        self.add_error(
            "language",
            f"This story reads like {names[likely]}, not {names[chosen]}. "
            f"Choose {names[likely]}, or tick “The language above is right” "
            f"to keep {names[chosen]}.",
        )

    def pending_image_name(self) -> str | None:
        """The stored name of an image kept from a failed save, if any."""
        token = self.data.get("pending_image") if self.is_bound else None
        if not token:
            return None
        try:
            return signing.loads(token, salt=self.PENDING_SALT, max_age=86400)
        except signing.BadSignature:
            return None

    def clean_body(self):
        """The body as typed; the empty images the sanitizer will drop on
        save are counted, for the message after it (ArticleAdmin)."""
        body = self.cleaned_data.get("body") or ""
        self.empty_images = empty_images(body)
        return body

    def clean_featured_image(self):
        image = self.cleaned_data.get("featured_image")
        pending = self.pending_image_name()
        if pending and not self.files.get("featured_image"):
            if default_storage.exists(pending):
                return File(default_storage.open(pending), name=pending.split("/")[-1])
        return image

    def full_clean(self):
        super().full_clean()
        upload = self.files.get("featured_image") if self.is_bound else None
        if self.errors and upload and "featured_image" not in self.errors:
            upload.seek(0)
            extension = upload.name.rsplit(".", 1)[-1].lower()
            try:
                name = default_storage.save(
                    f"pending/{secrets.token_hex(16)}.{extension}", upload
                )
            except STORAGE_ERRORS:
                return  # the error below says so; the rest is kept
            data = self.data.copy()
            data["pending_image"] = signing.dumps(name, salt=self.PENDING_SALT)
            self.data = data
            self.kept_image = upload.name

    def clean(self):
        cleaned = super().clean()
        refuse_uploads_while_storage_is_down(self)
        self._refuse_a_stale_save(cleaned)
        self._apply_workflow(cleaned)
        self._use_library_pictures(cleaned)
        if cleaned.get("featured_image") and not cleaned.get("featured_image_alt"):
            self.add_error(
                "featured_image_alt",
                "Describe the image for readers who cannot see it.",
            )
        self._ask_about_the_language(cleaned)
        status = cleaned.get("status")
        self._ask_about_expired_pictures(cleaned, status)
        if status == Article.Status.PUBLISHED and not cleaned.get("section"):
            self.add_error("section", SECTION_TO_PUBLISH)
            return cleaned
        # The service checks the story as it will be saved: with the form's
        # section (the rest of the form goes into it after clean()).
        self.instance.section = cleaned.get("section")
        if status and self.user is not None:
            try:
                services.article_set_status(
                    article=self.instance,
                    user=self.user,
                    status=status,
                    at=cleaned.get("published_at"),
                )
            except PermissionDenied as error:
                raise forms.ValidationError(str(error)) from None
            cleaned["published_at"] = self.instance.published_at
        published_at = cleaned.get("published_at")
        slug = cleaned.get("slug")
        if published_at and slug:
            clash = Article.objects.filter(
                pub_date=timezone.localdate(published_at), slug=slug
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "slug",
                    "Another article published on that date has this slug; "
                    "choose another.",
                )
        return cleaned

    def _refuse_a_stale_save(self, cleaned):
        """Refuse a save from a form opened before the stored article's last
        save, listing each field whose value differs (theirs | yours)."""
        article = self.instance
        loaded = self.data.get("loaded_at")
        if not article.pk or not loaded:
            return
        current = (
            Article.objects.filter(pk=article.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if current is None or current.isoformat() == loaded:
            return
        changed = []
        for name, field in self.fields.items():
            # The story's own fields (not the form's: loaded_at, the
            # language answer), the image aside.
            if (
                name not in self._meta.fields
                or name in self.declared_fields
                or name == "featured_image"
            ):
                continue
            if name not in cleaned:
                continue
            theirs = getattr(article, name)
            yours = cleaned[name]
            if name == "body":  # compared and shown as text
                theirs, yours = html_to_text(theirs or ""), html_to_text(yours or "")
            if name == "tags":
                same = {t.pk for t in theirs.all()} == {t.pk for t in yours}
            else:
                same = theirs == yours
            if not same:
                changed.append(
                    {
                        "label": field.label,
                        "theirs": _shown(theirs),
                        "yours": _shown(yours),
                    }
                )
        latest = article.revisions.select_related("created_by").first()
        author = latest.created_by if latest else None
        who = person_name(author) if author else "Someone"
        self.conflict = {"who": who, "when": current, "fields": changed}
        # The page comes back with the newer version's mark: saving again, after
        # reading the comparison, keeps this form's values on purpose.
        data = self.data.copy()
        data["loaded_at"] = current.isoformat()
        self.data = data
        raise forms.ValidationError(
            f"{who} saved this article at {timezone.localtime(current):%H:%M} "
            "after you opened it. Nothing was saved: compare their version with "
            "yours below, "
            "then Save again to keep yours (or reload to take theirs)."
        )
