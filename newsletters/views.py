"""The newsletters' pages: the list with its sign-up form, the sign-up
(from it or from the box on the home, section and article pages; no
JavaScript needed, and with it the box answers in place), the confirmation
link, the manage page and the one-click unsubscribe."""

from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from caching.pagecache import cache_page_tags
from infra.clientip import client_ip
from infra.crossorigin import cross_origin_refusal

from . import services, tokens
from .forms import ManageForm, SignupForm
from .models import Newsletter

SENT_MESSAGE = _(
    "Almost done: we sent a link to %(email)s. Open it to confirm; nothing "
    "else is sent until you do."
)
TOO_MANY_MESSAGE = _(
    "Too many sign-ups from your connection in the last hour. Please try again later."
)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_GET
def index(request):
    """Every newsletter offered, with the sign-up form (the same for every
    reader: cached like the other pages)."""
    cache_page_tags(request, "newsletters")
    return _index(request, SignupForm())


def _index(request, form, *, status=200, notice=""):
    context = {
        "newsletters": Newsletter.objects.filter(active=True),
        "form": form,
        "notice": notice,
    }
    return TemplateResponse(request, "newsletters/index.html", context, status=status)


@csrf_exempt  # cached pages carry no token: see infra/crossorigin.py
@never_cache
@require_POST
def subscribe(request):
    if cross_origin_refusal(request):
        return _index(
            request,
            SignupForm(request.POST),
            status=403,
            notice=_("Please sign up from this site's own page."),
        )
    form = SignupForm(request.POST, box=request.POST.get("box") == "1")
    if not form.is_valid():
        if _wants_json(request):
            errors = [e for field in form.errors.values() for e in field]
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        return _index(request, form, status=400)
    email = form.cleaned_data["email"].lower()
    if form.cleaned_data["website"]:
        outcome = services.SENT  # a bot: answered as anyone, nothing sent
    else:
        outcome = services.newsletter_signup(
            email=email,
            newsletters=form.cleaned_data["newsletters"],
            ip=client_ip(request),
        )
    if outcome == services.TOO_MANY:
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": [TOO_MANY_MESSAGE]}, status=429)
        return _index(request, form, status=429, notice=TOO_MANY_MESSAGE)
    message = SENT_MESSAGE % {"email": email}
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message})
    return TemplateResponse(request, "newsletters/sent.html", {"message": message})


@never_cache
def confirm(request, token: str):
    """The link in the confirmation e-mail: a button (GET changes nothing:
    mail scanners follow links); its POST starts the subscriptions."""
    value = tokens.confirm_value(token)
    if value is None:
        return TemplateResponse(
            request, "newsletters/confirm.html", {"expired": True}, status=404
        )
    email, ids, replaces = value
    newsletters = Newsletter.objects.filter(pk__in=ids)
    done = None
    if request.method == "POST":
        done = services.subscriptions_confirm(
            email=email, newsletter_ids=ids, replaces=replaces
        )
    context = {
        "email": email,
        "newsletters": newsletters,
        "done": done,
        "manage": tokens.manage_token(email),
    }
    return TemplateResponse(request, "newsletters/confirm.html", context)


@never_cache
def manage(request, token: str):
    """The link in every newsletter e-mail: this address's newsletters, and
    a new address (which must confirm). It changes this address only."""
    email = tokens.manage_email(token)
    if email is None:
        raise Http404("Unknown link")
    current = Newsletter.objects.filter(
        subscriptions__subscriber__email=email,
        subscriptions__confirmed_at__isnull=False,
    )
    notice = ""
    if request.method == "POST":
        form = ManageForm(request.POST)
        if form.is_valid():
            chosen = list(form.cleaned_data["newsletters"])
            services.subscriptions_set(email=email, newsletters=chosen)
            new = form.cleaned_data["new_email"]
            notice = _("Saved.")
            if new and new.lower() != email and chosen:
                outcome = services.newsletter_signup(
                    email=new, newsletters=chosen, ip=client_ip(request), replaces=email
                )
                notice = (
                    TOO_MANY_MESSAGE
                    if outcome == services.TOO_MANY
                    else SENT_MESSAGE % {"email": new.lower()}
                )
            form = ManageForm(initial={"newsletters": chosen})
    else:
        form = ManageForm(initial={"newsletters": list(current)})
    context = {"email": email, "form": form, "notice": notice, "token": token}
    return TemplateResponse(request, "newsletters/manage.html", context)


@csrf_exempt  # the signed link is the secret; mail clients POST one-click
@never_cache
def unsubscribe(request, token: str):
    """RFC 8058: a mail client's one-click POST unsubscribes at once; a GET
    (a person, or a scanner following the link) shows the button."""
    value = tokens.unsubscribe_value(token)
    if value is None:
        raise Http404("Unknown link")
    email, newsletter_id = value
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if newsletter is None:
        raise Http404("Unknown newsletter")
    done = False
    if request.method == "POST":
        services.unsubscribe(email=email, newsletter_id=newsletter_id)
        done = True
    context = {
        "email": email,
        "newsletter": newsletter,
        "done": done,
        "manage": tokens.manage_token(email),
    }
    return TemplateResponse(request, "newsletters/unsubscribe.html", context)
