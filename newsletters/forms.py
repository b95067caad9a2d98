from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Newsletter

EMAIL_MESSAGES = {
    "required": _("Please enter your e-mail address."),
    "invalid": _("Please enter a valid e-mail address, like name@example.com."),
}


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, error_messages=EMAIL_MESSAGES
    )
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.filter(active=True),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Newsletters"),
    )
    # Left empty by people (it is hidden from them); bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args, box: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.box = box

    def clean_newsletters(self):
        chosen = list(self.cleaned_data.get("newsletters") or [])
        if chosen:
            return chosen
        if self.box:  # the box on every page: the daily briefing
            briefing = (
                Newsletter.objects.filter(active=True, kind=Newsletter.Kind.BRIEFING)
                .order_by("position", "pk")
                .first()
            )
            if briefing is not None:
                return [briefing]
        raise forms.ValidationError(_("Please choose at least one newsletter."))


class ManageForm(forms.Form):
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Send me"),
    )
    new_email = forms.EmailField(
        label=_("Change my address to"),
        required=False,
        max_length=254,
        help_text=_("The new address receives a link to confirm it first."),
        error_messages=EMAIL_MESSAGES,
    )
