"""The comment thread's items, written in Python: one loop over the page's
comments instead of a template include per comment (the includes were half
of a full render of an article page with 50 comments; see
docs/benchmarks.md). The markup is what templates/comments/includes/
thread.html wraps; the words go through gettext like the templates'."""

import re
from html import escape as html_escape

from django.urls import reverse
from django.utils.html import escape, urlize
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


def url_around_id(name: str) -> list[str]:
    """The address of the URL `name` with an id, split around the id
    ("/comments/0/report/" → "/comments", "report/"): reversed once a
    thread, joined per comment as before + f"/{pk}/" + after."""
    return reverse(name, args=[0]).rsplit("/0/", 1)


def comment_items(comments, *, closed: bool, max_depth: int) -> SafeString:
    """`<li>` items of `comments` (each with its `children`), nested."""
    words = {
        "awaiting": html_escape(gettext("Your comment is awaiting moderation.")),
        "reply": html_escape(gettext("Reply")),
        "pick": html_escape(gettext("Editors' pick")),
        "report": html_escape(gettext("Report")),
        "report_url": url_around_id("comments:report"),
        "by": gettext("Comment by %(name)s"),
        # The {% time %} tag's comment format, looked up once per thread.
        "date_format": time_format("comment"),
    }
    return mark_safe("".join(_item(c, closed, max_depth, words) for c in comments))


def _item(comment, closed, max_depth, words) -> str:
    """One comment's `<li>`. Plain string work (every reader-typed value
    through html.escape, which is what Django's escape runs): format_html's
    per-argument checks were a seventh of a full page render."""
    approved = comment.status == "approved"
    pk = int(comment.pk)
    name = html_escape(comment.name)
    awaiting = (
        ""
        if approved
        else '<p class="comment-awaiting fst-italic text-warning-emphasis mb-1">'
        f"{words['awaiting']}</p>"
    )
    reply = ""
    if not closed and approved and comment.depth < max_depth:
        reply = (
            f'\n    <a class="comment-reply small" href="?replytocom={pk}#respond" '
            f'data-reply-to="{pk}" data-reply-name="{name}">{words["reply"]}</a>'
        )
    pick = ""
    if approved and comment.picked_at:
        pick = f'\n      <span class="comment-pick-mark badge">{words["pick"]}</span>'
    report = ""
    if approved:
        before, after = words["report_url"]
        report = (
            f'\n    <a class="comment-report small text-body-secondary ms-2" '
            f'rel="nofollow" href="{before}/{pk}/{after}">{words["report"]}</a>'
        )
    children = ""
    if comment.children:
        inner = "".join(_item(c, closed, max_depth, words) for c in comment.children)
        children = f'\n  <ol class="list-unstyled ms-4 ms-md-5">\n    {inner}\n  </ol>'
    label = html_escape(words["by"] % {"name": comment.name})
    return (
        f'<li class="comment depth-{int(comment.depth)}'
        f'{"" if approved else " comment-pending"}" id="comment-{pk}">\n'
        f'  <article class="py-3 border-bottom" aria-label="{label}">\n'
        '    <header class="d-flex flex-wrap gap-2 align-items-baseline">\n'
        f'      <strong class="comment-author" dir="auto">{name}</strong>{pick}\n'
        f'      <a class="small text-body-secondary" href="#comment-{pk}">'
        f"{time_element(comment.created_at, words['date_format'])}</a>\n"
        "    </header>\n"
        f"    {awaiting}\n"
        f'    <div class="comment-body" dir="auto">{comment_body(comment.body)}</div>'
        f"{reply}{report}\n"
        f"  </article>{children}\n"
        "</li>"
    )


def pick_items(picks) -> SafeString:
    """The editors' picks above a thread: each pick's author, time and text."""
    if not picks:
        return mark_safe("")
    date_format = time_format("comment")
    label = html_escape(gettext("Editors' pick"))
    before, after = url_around_id("comments:link")  # its page, wherever it is
    return mark_safe(
        "".join(
            f'<li class="comment-pick mb-3" id="pick-{int(c.pk)}">'
            f'<span class="comment-pick-mark badge">{label}</span> '
            f'<strong class="comment-author" dir="auto">{html_escape(c.name)}</strong> '
            f'<a class="small text-body-secondary" href="{before}/{int(c.pk)}/{after}">'
            f"{time_element(c.created_at, date_format)}</a>"
            f'<div class="comment-body" dir="auto">{comment_body(c.body)}</div></li>'
            for c in picks
        )
    )
