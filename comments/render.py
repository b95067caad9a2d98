"""The comment thread's items, written in Python: one loop over the page's
comments instead of a template include per comment (the includes were half
of a full render of an article page with 50 comments; see
docs/benchmarks.md). The markup is what templates/comments/includes/
thread.html wraps; the words go through gettext like the templates'."""

import re

from django.utils.html import escape, format_html, format_html_join, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from articles.templatetags.articles_tags import time_element, time_format

_PARAGRAPHS = re.compile(r"\n{2,}")
# What Django's urlize could turn into a link: a scheme, www., an e-mail
# address, or a bare domain under the top-level domains it knows. Text with
# none of these is left as it is by urlize, so it is not asked (urlize's
# word-by-word regexes were a tenth of a full page render).
_MAY_LINK = re.compile(r"://|www\.|@|\.(?:com|edu|gov|int|mil|net|org)\b", re.I)


def comment_body(text: str) -> str:
    """Reader text made safe: escaped, URLs linked (nofollow ugc), line breaks."""
    html = escape(text.replace("\r\n", "\n"))
    if _MAY_LINK.search(html):
        html = urlize(html, nofollow=True, autoescape=False)
        html = html.replace('rel="nofollow"', 'rel="nofollow ugc"')
    paragraphs = _PARAGRAPHS.split(html.strip())
    return mark_safe(
        "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    )


def comment_items(comments, *, closed: bool, max_depth: int) -> SafeString:
    """`<li>` items of `comments` (each with its `children`), nested."""
    words = {
        "awaiting": gettext("Your comment is awaiting moderation."),
        "reply": gettext("Reply"),
        # The {% time %} tag's comment format, looked up once per thread.
        "date_format": time_format("comment"),
    }
    return mark_safe("".join(_item(c, closed, max_depth, words) for c in comments))


def _item(comment, closed, max_depth, words) -> str:
    approved = comment.status == "approved"
    awaiting = (
        ""
        if approved
        else format_html(
            '<p class="comment-awaiting fst-italic text-warning-emphasis mb-1">{}</p>',
            words["awaiting"],
        )
    )
    reply = ""
    if not closed and approved and comment.depth < max_depth:
        reply = format_html(
            '\n    <a class="comment-reply small" href="?replytocom={}#respond" '
            'data-reply-to="{}" data-reply-name="{}">{}</a>',
            comment.pk,
            comment.pk,
            comment.name,
            words["reply"],
        )
    children = ""
    if comment.children:
        children = format_html(
            '\n  <ol class="list-unstyled ms-4 ms-md-5">\n    {}\n  </ol>',
            format_html_join(
                "",
                "{}",
                ((_item(c, closed, max_depth, words),) for c in comment.children),
            ),
        )
    return format_html(
        '<li class="comment depth-{}{}" id="comment-{}">\n'
        '  <article class="py-3 border-bottom" aria-label="{}">\n'
        '    <header class="d-flex flex-wrap gap-2 align-items-baseline">\n'
        '      <strong class="comment-author" dir="auto">{}</strong>\n'
        '      <a class="small text-body-secondary" href="#comment-{}">{}</a>\n'
        "    </header>\n"
        "    {}\n"
        '    <div class="comment-body" dir="auto">{}</div>{}\n'
        "  </article>{}\n"
        "</li>",
        comment.depth,
        "" if approved else " comment-pending",
        comment.pk,
        gettext("Comment by %(name)s") % {"name": comment.name},
        comment.name,
        comment.pk,
        time_element(comment.created_at, words["date_format"]),
        awaiting,
        comment_body(comment.body),
        reply,
        children,
    )
