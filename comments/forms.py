import time
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.core import signing
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import cached_property, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from infra.text import hidden_characters

from .models import Comment, CommentReport

TIMESTAMP_SALT = "comments.form-rendered"
FORM_MAX_AGE = 60 * 60 * 24 * 2  # a form older than two days must be re-sent

MESSAGES = {
    "body_required": _("Please enter your comment!"),
    "name_required": _("Please enter your name here"),
    "email_required": _("Please enter your email address here"),
    "email_invalid": _("You have entered an incorrect email address!"),
    "name_hidden": _(
        "Your name contains invisible or control characters (%(characters)s), "
        "such as line breaks or direction marks: please type it again without them."
    ),
    "email_hidden": _(
        "Your email address contains invisible or control characters "
        "(%(characters)s): please type it again."
    ),
}


def _max_length(field: str) -> int:
    """The model's limit for `field`: the form never repeats it."""
    return Comment._meta.get_field(field).max_length


def _too_long_now(what: str, field: str) -> str:
    limit = number_format(_max_length(field), force_grouping=True)
    return gettext("%(what)s is too long: at most %(limit)s characters.") % {
        "what": what,
        "limit": limit,
    }


# Made when the message is shown, in the reader's language.
_too_long = lazy(_too_long_now, str)


def sign_timestamp(*, shared: bool = False) -> str:
    """The comment form's signed "rendered at" time. `shared`: it goes into a
    page that a cache may hand to many visitors, so it says nothing about
    when *this* visitor got the form (comments.js fetches a visitor's own
    from `comments:form_time` when they start writing)."""
    return signing.dumps({"at": time.time(), "shared": shared}, salt=TIMESTAMP_SALT)


@dataclass(frozen=True)
class FormTiming:
    """What a posted form's signed time tells: `age` in seconds (None when
    forged), and whether it measures this visitor (not a shared page's)."""

    age: float | None
    measured: bool


def form_timing(token: str) -> FormTiming:
    try:
        data = signing.loads(token, salt=TIMESTAMP_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return FormTiming(age=None, measured=False)
    if not isinstance(data, dict):  # a bare time: pages cached before 2026-12
        data = {"at": data, "shared": True}
    try:
        age = time.time() - float(data["at"])
    except (KeyError, TypeError, ValueError):
        return FormTiming(age=None, measured=False)
    return FormTiming(age=age, measured=not data.get("shared", True))


class CommentForm(forms.Form):
    """The reader's comment form (name, email, comment, reply target)."""

    body = forms.CharField(
        label=_("Comment"),
        max_length=_max_length("body"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": MESSAGES["body_required"],
            "max_length": _too_long(_("Your comment"), "body"),
        },
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=_max_length("name"),
        error_messages={
            "required": MESSAGES["name_required"],
            "max_length": _too_long(_("Your name"), "name"),
        },
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=_max_length("email"),
        help_text=_("Never published."),
        error_messages={
            "required": MESSAGES["email_required"],
            "invalid": MESSAGES["email_invalid"],
            "max_length": _too_long(_("Your email address"), "email"),
        },
    )
    remember = forms.BooleanField(
        label=_("Save my name and email in this browser for the next time I comment."),
        required=False,
    )
    notify = forms.BooleanField(
        label=_(
            "E-mail me once when a moderator approves or rejects this comment "
            "(if it waits for review)."
        ),
        required=False,
    )
    notify_replies = forms.BooleanField(
        label=_(
            "E-mail me when someone replies to my comment (the first time, "
            "we ask you to confirm your address)."
        ),
        required=False,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    # Honeypot: hidden from people (CSS and aria-hidden), filled by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    ts = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # A fresh form may be stored in a shared page (the page cache,
            # an edge): its time is the page's, not the visitor's.
            self.initial.setdefault("ts", sign_timestamp(shared=True))

    @cached_property
    def helper(self) -> FormHelper:
        """The crispy layout, built only when the form is rendered (whoever
        renders it sets `form_action`)."""
        helper = FormHelper()
        helper.form_method = "post"
        helper.form_id = "comment-form"
        # comments.js asks this address for the visitor's own form time.
        helper.attrs = {
            "novalidate": "",
            "data-time-url": reverse("comments:form_time"),
        }
        helper.layout = Layout(
            # Readers write in any script: the browser sets each field's
            # direction from what is typed.
            Field("body", dir="auto"),
            Div(
                Field("name", wrapper_class="col-md-6", dir="auto"),
                Field("email", wrapper_class="col-md-6"),
                css_class="row",
            ),
            Field("remember"),
            Field("notify"),
            Field("notify_replies"),
            Div(Field("website"), css_class="nr-hp", aria_hidden="true"),
            Field("parent"),
            Field("ts"),
            Submit("submit", _("Post Comment"), css_class="btn-dark"),
        )
        return helper

    # The field that takes the focus (the first with an error); with none,
    # the section template focuses the form's own message (a refusal).
    focus_field = None

    def full_clean(self):
        super().full_clean()
        if self.errors:
            first = next((name for name in self.fields if name in self.errors), None)
            if first:
                self.fields[first].widget.attrs["autofocus"] = True
                self.focus_field = first

    def _refuse_hidden(self, field: str, *, in_words: bool) -> str:
        value = self.cleaned_data[field]
        hidden = hidden_characters(value, in_words=in_words)
        if hidden:
            raise forms.ValidationError(
                MESSAGES[f"{field}_hidden"],
                code="hidden_characters",
                params={"characters": ", ".join(dict.fromkeys(hidden))},
            )
        return value

    def clean_name(self) -> str:
        """A name shows as typed to every reader and moderator: nothing in
        it may hide letters, reverse them, or break a line (a joiner inside
        a word of a script that uses one is kept)."""
        return self._refuse_hidden("name", in_words=True)

    def clean_email(self) -> str:
        return self._refuse_hidden("email", in_words=False)

    def timing(self) -> FormTiming:
        return form_timing(self.cleaned_data.get("ts") or "")

    def renew_timestamp(self) -> None:
        """A re-rendered form gets a fresh timestamp (the typed text stays);
        the answer to a POST is this visitor's alone."""
        data = self.data.copy()
        data["ts"] = sign_timestamp()
        self.data = data


class ReportForm(forms.Form):
    """A reader's report of a comment: why, and a note (needed for "other")."""

    reason = forms.ChoiceField(
        label=_("Why should a moderator look at this comment?"),
        choices=CommentReport.Reason.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Please choose a reason.")},
    )
    note = forms.CharField(
        label=_("Anything a moderator should know (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        found = hidden_characters(
            note.replace("\n", "").replace("\r", ""), in_words=True
        )
        if found:
            raise forms.ValidationError(
                _("Your note contains invisible characters: please type it again.")
            )
        return note

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == CommentReport.Reason.OTHER and not cleaned.get(
            "note"
        ):
            self.add_error("note", _("Please say what is wrong with this comment."))
        return cleaned
