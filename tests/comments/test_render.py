"""The thread's items are written in Python (comments/render.py) for speed;
readers must see what the per-comment template showed. The template as it
was is kept as the reference (tests/fixtures/templates/comment_reference.html)
and both are compared on an awkward thread: markup in a name, a link with
query parameters, Arabic, a script tag, a pending reply at the deepest
level, open and closed comments."""

import re
from pathlib import Path

import pytest
from django.template import Context, Engine

from comments.render import comment_items
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db

REFERENCE = Engine(
    dirs=[Path(__file__).resolve().parents[1] / "fixtures" / "templates"],
    libraries={
        "comments": "comments.templatetags.comments",
        "articles_tags": "articles.templatetags.articles_tags",
        "i18n": "django.templatetags.i18n",
    },
)


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


@pytest.mark.parametrize("closed", [False, True])
def test_the_thread_reads_as_the_template_wrote_it(closed):
    article = ArticleFactory()
    root = CommentFactory(
        article=article,
        name='Ana "<b>bold</b>" & co',
        body="See https://example.com/x?a=1&b=2\n\nمرحبا <script>alert(1)</script>",
    )
    reply = CommentFactory(
        article=article, parent=root, body="A reply\non two lines, no link. Dots."
    )
    deepest = CommentFactory(
        article=article,
        parent=reply,
        body="Write to ana@example.org or see example.com & www.example.net",
        pending=True,
    )
    root.children, reply.children, deepest.children = [reply], [deepest], []
    template = REFERENCE.get_template("comment_reference.html")
    expected = template.render(
        Context({"comment": root, "closed": closed, "max_depth": 2})
    )
    actual = comment_items([root], closed=closed, max_depth=2)
    assert _normal(actual) == _normal(expected)
    assert "<script>" not in actual and "&lt;script&gt;" in actual
