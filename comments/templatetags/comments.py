import re
from datetime import timedelta

from django import template
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy

from articles.invalidation import article_tag
from caching import edge, fragments, pagecache
from comments import moderation, quiet, services
from comments.forms import FORM_MAX_AGE, CommentForm, sign_timestamp
from comments.models import MAX_DEPTH, Comment
from comments.preferences import current
from comments.render import comment_body, comment_items, pick_items
from comments.visitor import own_comment_ids, remembered_author
from infra import sqlcache

register = template.Library()

_PARAGRAPHS = re.compile(r"\n{2,}")


register.filter("comment_body", comment_body)


# What the thread shows of a comment (comments/render.py): never the
# commenter's e-mail, address or browser.
THREAD_FIELDS = (
    "parent", "thread", "depth", "name", "body", "status", "created_at", "picked_at",
)  # fmt: skip
THREAD_COLUMNS = [
    "id",
    *(f"{name}_id" if name in ("parent", "thread") else name for name in THREAD_FIELDS),
    "approved_total",
    "top_total",
    "picked_total",
]


# The thread's orders (?csort=): a bounded set, so a few cached variants.
SORTS = {
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
    "replies": ("-reply_count", "created_at", "pk"),
}
DEFAULT_SORT = "oldest"
SORT_LABELS = {
    "oldest": gettext_lazy("Oldest"),
    "newest": gettext_lazy("Newest"),
    "replies": gettext_lazy("Most replies"),
}


def thread_sort(value) -> str:
    """The thread order a ?csort= value names (anything else: the default)."""
    return value if value in SORTS else DEFAULT_SORT


def _page_rows(start: int, per_page: int, sort: str, *, article, own_ids=()):
    """One page of the thread (`per_page` top-level comments from `start` in
    the order `sort`, and their replies) as the reader sees it, each row with
    the thread's counts."""
    visible = Comment.objects.on(article).visible_to(own_ids=own_ids)
    approved = Comment.objects.on(article).approved()
    top = visible.top_level()

    def total(queryset):
        counted = queryset.order_by().values("article").annotate(n=Count("pk"))
        return Coalesce(Subquery(counted.values("n")[:1]), 0)

    if sort == "replies":
        replies = approved.filter(thread=OuterRef("pk"))
        top = top.annotate(
            reply_count=Coalesce(
                Subquery(
                    replies.order_by()
                    .values("thread")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                0,
            )
        )
    page_roots = top.order_by(*SORTS[sort])[start : start + per_page]
    return (
        visible.filter(
            Q(pk__in=page_roots.values("pk")) | Q(thread__in=page_roots.values("pk"))
        )
        .only(*THREAD_FIELDS)
        .annotate(
            approved_total=total(approved),
            top_total=total(top),
            picked_total=total(approved.filter(picked_at__isnull=False)),
        )
        .order_by("created_at", "pk")
    )


def _thread(article, *, own_ids, page_number, sort=DEFAULT_SORT):
    """One page of top-level comments (in the order `sort`) with their
    replies and the thread's counts, in one query (two for a page number
    past the end)."""
    per_page = settings.COMMENTS_PER_PAGE

    def page_rows(number):
        return sqlcache.fetch(
            _page_rows,
            shape=((number - 1) * per_page, per_page, sort),
            model=Comment,
            columns=THREAD_COLUMNS,
            article=article.pk,
            **({"own_ids": list(own_ids)} if own_ids else {}),
        )

    number = min(max(page_number, 1), 1_000_000)  # past the end: clamped below
    rows = page_rows(number)
    if rows:
        counts = {
            "approved": rows[0].approved_total,
            "top": rows[0].top_total,
            "picked": rows[0].picked_total,
        }
    else:
        # Only what the reader may see: a story's held or spam comments
        # (thousands, in an attack) are never read to count a page.
        counts = (
            Comment.objects.on(article)
            .visible_to(own_ids=own_ids)
            .aggregate(
                approved=Count("pk", filter=Q(status=Comment.Status.APPROVED)),
                top=Count("pk", filter=Q(parent__isnull=True)),
                picked=Count(
                    "pk",
                    filter=Q(status=Comment.Status.APPROVED, picked_at__isnull=False),
                ),
            )
        )
        last = max(1, -(-counts["top"] // per_page))
        if number > last:
            number = last
            rows = page_rows(number)
    roots = [c for c in rows if c.parent_id is None]
    replies = [c for c in rows if c.parent_id is not None]
    children: dict[int, list[Comment]] = {}
    for reply in replies:
        children.setdefault(reply.parent_id, []).append(reply)
    for comment in [*roots, *replies]:
        comment.children = children.get(comment.pk, [])
    if sort == "newest":
        roots.reverse()  # the rows come oldest first
    elif sort == "replies":
        in_thread = {}
        for reply in replies:
            in_thread[reply.thread_id] = in_thread.get(reply.thread_id, 0) + 1
        roots.sort(key=lambda c: (-in_thread.get(c.pk, 0), c.created_at, c.pk))
    paginator = Paginator(range(counts["top"]), per_page)
    # Read only when the page's own query counted some (most threads have none).
    picks = (
        list(
            Comment.objects.on(article)
            .approved()
            .filter(picked_at__isnull=False)
            .only("name", "body", "created_at", "picked_at")
            .order_by("-picked_at", "-pk")[: services.MAX_PICKS]
        )
        if counts["picked"]
        else []
    )
    return {
        "picks": picks,
        "sort": sort,
        "sorts": [(key, SORT_LABELS[key]) for key in SORTS],
        "comments": roots,
        "approved_count": counts["approved"],
        "page": paginator.get_page(number),
    }


@register.inclusion_tag("comments/includes/section.html", takes_context=True)
def comment_section(context, article, form=None, notice=""):
    """The comment thread and form under an article; `form` and `notice`: a
    refused post shown again with what was typed and why (comments.views)."""
    request = context["request"]
    own_ids = own_comment_ids(request)
    if own_ids:
        pagecache.mark_per_visitor(request)
    try:
        page_number = int(request.GET.get("cpage", 1))
    except ValueError:
        page_number = 1
    closed = moderation.comments_closed(article)
    quiet_change = (
        quiet.next_change(current()) if current().quiet_mode == "close" else None
    )
    if quiet_change is not None:  # the form opens or closes then
        edge.expire_by(request, quiet_change)
    if not closed:
        # A shared copy of this page must not outlive its form: not past the
        # form's maximum age, not past the moment comments close by date.
        now = timezone.now()
        edge.expire_by(request, now + timedelta(seconds=FORM_MAX_AGE // 2))
        closing = moderation.closing_time(article)
        if closing is not None:
            edge.expire_by(request, closing)
    sort = thread_sort(request.GET.get("csort"))
    thread_html = _thread_html(article, own_ids, page_number, closed, sort)
    form = form or None  # unset in the template: ""
    reply_to = None
    form_html = ""
    if not closed:
        if form is None:
            remembered = remembered_author(request)
            if remembered:
                pagecache.mark_per_visitor(request)
            reply_to = _reply_target(article, request.GET.get("replytocom"))
            if remembered or reply_to is not None:
                form = CommentForm(initial=remembered)
                form.initial["remember"] = bool(remembered.get("name"))
                if reply_to is not None:
                    form.initial["parent"] = reply_to.pk
        else:
            reply_to = _reply_target(article, form.data.get("parent"))
        form_html = _form_html(request, article, form)
    return {
        "article": article,
        "closed": closed,
        "form": form,
        "form_html": form_html,
        "notice": notice or "",
        "quiet_hours": quiet.describe(current()),
        "quiet_mode": current().quiet_mode,
        "quiet_zone": current().quiet_time_zone,
        "request": request,
        "reply_to": reply_to,
        "thread_html": thread_html,
    }


_FORM_CSRF = "__NEWSROOM_FORM_CSRF__"
_FORM_TS = "__NEWSROOM_FORM_TS__"
_FORM_ACTION = "__NEWSROOM_FORM_ACTION__"


def _render_form(form, csrf_token, action) -> str:
    form.helper.form_action = action
    return render_to_string(
        "comments/includes/form.html", {"form": form, "csrf_token": csrf_token}
    )


def _form_html(request, article, form) -> str:
    """The form. Anonymous readers' carries no CSRF token (so a page holding
    it can be cached for everyone: the endpoint checks fetch metadata and
    Origin, infra/crossorigin.py); a signed-in user's carries Django's.
    A blank one (`form` None: no typed text, no remembered author, not a
    reply) is rendered once and its address, token and signed render time
    filled in."""
    action = reverse("comments:post", args=[article.pk])
    signed_in = request.user.is_authenticated
    token = get_token(request) if signed_in else None
    if form is not None:
        return mark_safe(_render_form(form, token, action))
    # The blank form is the same markup for every article but its address:
    # rendered once per process, language and signed-in state (it holds no
    # data, only code and translations), then filled in per request.
    memo_key = (get_language(), signed_in)
    html = _BLANK_FORMS.get(memo_key)
    if html is None:
        html = _render_form(
            CommentForm(initial={"ts": _FORM_TS}),
            _FORM_CSRF if signed_in else None,
            _FORM_ACTION,
        )
        _BLANK_FORMS[memo_key] = html
    html = html.replace(_FORM_ACTION, action)
    if signed_in:
        html = html.replace(_FORM_CSRF, token)
    return mark_safe(html.replace(_FORM_TS, sign_timestamp(shared=True)))


_BLANK_FORMS: dict[tuple[str, bool], str] = {}


def _reply_target(article, pk):
    """The approved comment being replied to (one query, only when replying)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if pk <= 0 or pk > 2**62:
        return None
    return Comment.objects.approved().filter(article=article, pk=pk).first()


def _thread_html(article, own_ids, page_number, closed, sort=DEFAULT_SORT) -> str:
    """The rendered thread. Without the reader's own pending comments it is
    the same for everyone, so it is a fragment keyed on the article's
    version: approving or removing a comment drops it."""

    def render():
        context = _thread(article, own_ids=own_ids, page_number=page_number, sort=sort)
        context["comments_html"] = comment_items(
            context["comments"], closed=closed, max_depth=MAX_DEPTH
        )
        context["picks_html"] = pick_items(context["picks"])
        context["closed"] = closed
        return render_to_string("comments/includes/thread.html", context)

    if own_ids:
        return mark_safe(render())
    page = max(1, min(page_number, 1000))  # bounded: no key flooding
    key = fragments.fragment_key(
        "comment-thread", [article_tag(article.pk)], article.pk, page, closed, sort
    )
    return fragments.get_or_render(key, render, settings.COMMENTS_THREAD_CACHE_SECONDS)
