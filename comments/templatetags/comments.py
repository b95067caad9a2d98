import re

from django import template
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, urlize
from django.utils.safestring import mark_safe

from articles import pagecache
from comments import moderation
from comments.forms import CommentForm
from comments.models import MAX_DEPTH, Comment
from comments.views import own_comment_ids, remembered_author

register = template.Library()

_PARAGRAPHS = re.compile(r"\n{2,}")


@register.filter
def comment_body(text: str) -> str:
    """Reader text made safe: escaped, URLs linked (nofollow ugc), line breaks."""
    html = urlize(escape(text.replace("\r\n", "\n")), nofollow=True, autoescape=False)
    html = html.replace('rel="nofollow"', 'rel="nofollow ugc"')
    paragraphs = _PARAGRAPHS.split(html.strip())
    return mark_safe(
        "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    )


def _thread(article, *, own_ids, page_number):
    """One page of top-level comments with their replies, in three queries."""
    per_page = settings.COMMENTS_PER_PAGE
    visible = Comment.objects.on(article).visible_to(own_ids=own_ids)
    counts = Comment.objects.on(article).aggregate(
        approved=Count("pk", filter=Q(status=Comment.Status.APPROVED)),
        top=Count(
            "pk",
            filter=Q(parent__isnull=True)
            & (
                Q(status=Comment.Status.APPROVED)
                | Q(status=Comment.Status.PENDING, pk__in=list(own_ids) or [0])
            ),
        ),
    )
    pages = max(1, -(-counts["top"] // per_page))
    number = min(max(page_number, 1), pages)
    start = (number - 1) * per_page
    roots = list(
        visible.top_level().order_by("created_at", "pk")[start : start + per_page]
    )
    replies = (
        list(visible.filter(thread__in=roots).order_by("created_at", "pk"))
        if roots
        else []
    )
    children: dict[int, list[Comment]] = {}
    for reply in replies:
        children.setdefault(reply.parent_id, []).append(reply)
    for comment in [*roots, *replies]:
        comment.children = children.get(comment.pk, [])
    paginator = Paginator(range(counts["top"]), per_page)
    return {
        "comments": roots,
        "approved_count": counts["approved"],
        "page": paginator.get_page(number),
    }


@register.inclusion_tag("comments/includes/section.html", takes_context=True)
def comment_section(context, article):
    """The comment thread and form under an article."""
    request = context["request"]
    own_ids = own_comment_ids(request)
    try:
        page_number = int(request.GET.get("cpage", 1))
    except ValueError:
        page_number = 1
    closed = moderation.comments_closed(article)
    form = getattr(request, "comment_form", None)
    if form is None and not closed:
        form = CommentForm(initial=remembered_author(request))
        if form.initial.get("name"):
            form.initial["remember"] = True
    thread_html = _thread_html(article, own_ids, page_number, closed)
    reply_to = None
    if form is not None:
        form.helper.form_action = reverse("comments:post", args=[article.pk])
        parent_id = (
            form.data.get("parent") if form.is_bound else request.GET.get("replytocom")
        )
        reply_to = _reply_target(article, parent_id)
        if reply_to is not None and not form.is_bound:
            form.initial["parent"] = reply_to.pk
    return {
        "article": article,
        "closed": closed,
        "form": form,
        "notice": getattr(request, "comment_notice", ""),
        "request": request,
        "reply_to": reply_to,
        "thread_html": thread_html,
    }


def _reply_target(article, pk):
    """The approved comment being replied to (one query, only when replying)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if pk <= 0 or pk > 2**62:
        return None
    return Comment.objects.approved().filter(article=article, pk=pk).first()


def _thread_html(article, own_ids, page_number, closed) -> str:
    """The rendered thread. Without the reader's own pending comments it is
    the same for everyone, so it is kept in the cache under the article's
    page-cache version: approving or removing a comment drops it."""

    def render():
        context = _thread(article, own_ids=own_ids, page_number=page_number)
        context.update(closed=closed, max_depth=MAX_DEPTH)
        return render_to_string("comments/includes/thread.html", context)

    if own_ids:
        return mark_safe(render())
    tag = pagecache.article_tag(article.pk)
    version = pagecache.tag_version(tag)
    page = max(1, min(page_number, 1000))  # bounded: no key flooding
    key = f"thread:{article.pk}:{page}:{int(closed)}:{version}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, settings.COMMENTS_THREAD_CACHE_SECONDS)
    return mark_safe(html)
