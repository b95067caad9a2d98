import logging
import secrets

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from articles.views import ArticleDetailView, published_article
from infra.clientip import client_ip
from infra.crossorigin import cross_origin_refusal, django_csrf_refusal

from . import moderation, services
from .forms import FORM_MAX_AGE, CommentForm, ReportForm, sign_timestamp
from .mail import confirm_email, unsubscribe_email
from .models import Comment
from .visitor import MAX_PENDING_IDS, YEAR, own_comment_ids, remember_visitor

logger = logging.getLogger(__name__)


def render_article_with_form(request, article, form, *, status, notice=""):
    """The article page again, with the form as typed and its errors (the
    comment section's template tag takes them as arguments)."""
    view = ArticleDetailView()
    view.setup(request)
    view.object = article
    context = view.get_context_data(
        object=article, refused_form=form, refused_notice=notice
    )
    return TemplateResponse(request, view.template_name, context, status=status)


def page_of(earlier: int) -> int:
    """The comment-thread page (oldest first, COMMENTS_PER_PAGE a page) that
    follows `earlier` top-level comments: a new comment's thread page, with
    `earlier` counted as it is stored (services.comment_submit)."""
    return earlier // settings.COMMENTS_PER_PAGE + 1


@csrf_exempt  # the signed address is the secret; mail clients POST one-click
@never_cache
def unsubscribe(request, token: str):
    """Stop decision e-mails to the address the link was made for: a page
    with a button (GET never changes anything: link checkers follow links),
    and RFC 8058's one-click POST."""
    email = unsubscribe_email(token)
    if email is None:
        raise Http404("Unknown link")
    done = again = False
    if request.method == "POST" and request.POST.get("again"):
        # Only the address's owner has this link: asking back is consent.
        again = services.mail_address_confirm(email=email, resubscribe=True)
    elif request.method == "POST":
        services.mail_address_suppress(email=email)
        done = True
    context = {"done": done, "again": again, "email": email}
    return TemplateResponse(request, "comments/unsubscribe.html", context)


@never_cache
def confirm(request, token: str):
    """Confirm an address for reply e-mails (double opt-in): the link in the
    confirmation e-mail shows a button (GET changes nothing: mail scanners
    follow links), the button's POST confirms."""
    email = confirm_email(token)
    if email is None:
        return TemplateResponse(
            request, "comments/confirm.html", {"expired": True}, status=404
        )
    done = None
    if request.method == "POST":
        done = services.mail_address_confirm(email=email)
    context = {"email": email, "done": done, "token": token}
    return TemplateResponse(request, "comments/confirm.html", context)


@never_cache
@require_GET
def form_time(request):
    """A signed "now" for this visitor's comment form, fetched by comments.js
    when they start writing: the too-fast rule then measures their own fill
    time even on a page that came from a cache."""
    return JsonResponse({"ts": sign_timestamp()})


FORGED_NOTICE = _(
    "Your comment was not posted: it did not come from this site's own page. "
    "Please send it again from here."
)
SESSION_NOTICE = _(
    "Your comment was not posted: you signed in or out since this page was "
    "loaded. Please send it again."
)


@csrf_exempt  # cached pages carry no token: see infra/crossorigin.py
@require_POST
def comment_post(request, article_pk: int):
    """Take a comment from the form under an article (POST/redirect/GET).
    Anonymous posts are guarded by fetch metadata and Origin; a signed-in
    user's by Django's CSRF token as well."""
    article = published_article(article_pk)
    if article is None:
        raise Http404("No such article")
    form = CommentForm(request.POST)
    refusal, notice = cross_origin_refusal(request), FORGED_NOTICE
    if refusal is None and request.user.is_authenticated:
        if django_csrf_refusal(request) is not None:
            refusal, notice = "no valid CSRF token with a session", SESSION_NOTICE
    if refusal is not None:
        logger.warning("Comment refused as cross-origin (%s)", refusal)
        form.is_valid()
        form.renew_timestamp()
        return render_article_with_form(
            request, article, form, status=403, notice=notice
        )
    if moderation.comments_closed(article):
        form.is_valid()
        return render_article_with_form(
            request, article, form, status=403, notice=_("Comments are closed.")
        )
    if not form.is_valid():
        form.renew_timestamp()
        return render_article_with_form(request, article, form, status=400)
    data = form.cleaned_data
    timing = form.timing()
    if timing.age is not None and timing.age > FORM_MAX_AGE:
        form.add_error(
            None, _("This form has expired. Please post your comment again.")
        )
        form.renew_timestamp()
        return render_article_with_form(request, article, form, status=400)
    try:
        parent = services.resolve_parent(article=article, parent_id=data["parent"])
    except services.ParentNotAllowed:
        form.add_error(
            "parent",
            _(
                "The comment you are replying to is not available (it may be "
                "awaiting moderation or removed). Post without replying, or pick "
                "another."
            ),
        )
        form.renew_timestamp()
        return render_article_with_form(request, article, form, status=400)
    user = request.user if request.user.is_authenticated else None
    own = own_comment_ids(request)
    result = services.comment_submit(
        article=article,
        parent=parent,
        name=data["name"],
        email=data["email"],
        body=data["body"],
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        honeypot=data["website"],
        form_age=timing.age,
        form_age_measured=timing.measured,
        notify_decision=data["notify"],
        notify_replies=data["notify_replies"],
        own_pending_ids=own,
        user=user,
    )
    if result.decision.refused:
        form.add_error(None, result.decision.refusal)
        form.renew_timestamp()
        return render_article_with_form(
            request, article, form, status=result.decision.http_status
        )
    comment = result.comment
    if comment.status != Comment.Status.APPROVED:
        own = [comment.pk, *own][:MAX_PENDING_IDS]
    page = page_of(result.earlier)
    url = article.get_absolute_url()
    if page > 1:
        url += f"?cpage={page}"
    response = HttpResponseRedirect(f"{url}#comment-{comment.pk}")
    response.status_code = 303  # See Other: the browser GETs the thread
    remember_visitor(
        response,
        secure=request.is_secure(),
        own_ids=own,
        author=(
            {"name": data["name"], "email": data["email"]} if data["remember"] else None
        ),
    )
    return response


REPORTER_COOKIE = "newsroom_reporter"
REPORT_DONE = {"new": services.REPORT_THANKS, "again": services.REPORT_ALREADY}
REPORTER_SALT = "comments.reporter"


def _reporter_id(request) -> str:
    """This browser's reporter id (signed cookie), a new one if it has none."""
    raw = request.COOKIES.get(REPORTER_COOKIE, "")
    try:
        return signing.loads(raw, salt=REPORTER_SALT)
    except signing.BadSignature:
        return secrets.token_hex(16)


def _report_page(request, comment_pk: int, form, *, status=200, done=None):
    """The report page of a published comment (404 for any other)."""
    comment = (
        Comment.objects.approved()
        .select_related("article")
        .filter(pk=comment_pk)
        .first()
    )
    if comment is None or published_article(comment.article_id) is None:
        raise Http404("No such comment")
    context = {"comment": comment, "article": comment.article}
    context.update(form=form, done=done)
    return TemplateResponse(request, "comments/report.html", context, status=status)


@csrf_exempt  # like the comment form: fetch metadata and Origin guard it
@never_cache
def comment_report(request, comment_pk: int):
    """Report a published comment to the moderators: GET shows the form,
    POST sends it (no account; works without JavaScript). The reporter's
    cookie is scoped to /comments/, so it never reaches a cached page. An
    accepted report reads nothing more than the service does (it checks the
    comment is published) and answers 303 to the thanks page."""
    if request.method != "POST":
        # After a report (POST/redirect/GET): what happened, without the form.
        done = REPORT_DONE.get(request.GET.get("sent", ""))
        return _report_page(
            request, comment_pk, None if done else ReportForm(), done=done
        )
    form = ReportForm(request.POST)
    refusal = cross_origin_refusal(request)
    if refusal is None and request.user.is_authenticated:
        refusal = django_csrf_refusal(request)
    if refusal is not None:
        logger.warning("Report refused as cross-origin (%s)", refusal)
        form.is_valid()
        form.add_error(None, FORGED_NOTICE)
        return _report_page(request, comment_pk, form, status=403)
    if not form.is_valid():
        return _report_page(request, comment_pk, form, status=400)
    visitor = _reporter_id(request)
    outcome = services.comment_report(
        comment_id=comment_pk,
        reason=form.cleaned_data["reason"],
        note=form.cleaned_data["note"],
        ip=client_ip(request),
        visitor=visitor,
    )
    if not outcome.accepted:
        form.add_error(None, outcome.message)
        return _report_page(request, comment_pk, form, status=outcome.http_status)
    sent = "again" if outcome.message == services.REPORT_ALREADY else "new"
    response = HttpResponseRedirect(f"{request.path}?sent={sent}")
    response.status_code = 303  # See Other: the browser GETs the thanks
    response.set_cookie(
        REPORTER_COOKIE,
        signing.dumps(visitor, salt=REPORTER_SALT),
        max_age=YEAR,
        path="/comments/",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_GET
def comment_link(request, comment_pk: int):
    """A shared link to one comment (/comments/<id>/): redirects to the
    thread page that shows it, at its anchor, without JavaScript. Only a
    published comment on a published story; anything else is 404."""
    comment = (
        Comment.objects.approved()
        .select_related("thread")
        .filter(pk=comment_pk)
        .only("pk", "article_id", "created_at", "thread__created_at")
        .first()
    )
    article = comment and published_article(comment.article_id)
    if not article:
        raise Http404("No such comment")
    root = comment.thread or comment  # the thread's start places the page
    earlier = (
        Comment.objects.on(article)
        .approved()
        .top_level()
        .filter(created_at__lt=root.created_at)
        .count()
    )
    page = page_of(earlier)
    url = article.get_absolute_url() + (f"?cpage={page}" if page > 1 else "")
    return HttpResponseRedirect(f"{url}#comment-{comment.pk}")
