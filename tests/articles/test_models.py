from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from articles.html import html_to_text, sanitize_html
from articles.models import Article
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_body_is_sanitized_on_save():
    article = ArticleFactory(
        body='<p onclick="steal()">Hi<script>alert(1)</script>'
        '<a href="javascript:alert(1)">x</a><img src=x onerror=alert(1)></p>'
        "<style>p{}</style><iframe src=//evil></iframe><h2>Sub</h2>"
    )
    article.refresh_from_db()
    assert "script" not in article.body
    assert "onclick" not in article.body
    assert "javascript:" not in article.body
    assert "onerror" not in article.body
    assert "iframe" not in article.body
    assert "<style" not in article.body
    assert "<h2>Sub</h2>" in article.body


def test_allowed_formatting_survives_sanitizing():
    html = (
        "<h2>H</h2><p><strong>b</strong> <em>i</em> "
        '<a href="https://example.com">l</a></p>'
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote><p>q</p></blockquote>"
    )
    cleaned = sanitize_html(html)
    for fragment in ["<h2>H</h2>", "<strong>b</strong>", "<em>i</em>", "<ul>", "<ol>"]:
        assert fragment in cleaned
    assert 'href="https://example.com"' in cleaned
    assert "<blockquote>" in cleaned


def test_body_text_is_plain_text_of_body():
    assert html_to_text("<p>A &amp; B</p><h2>Sub</h2>") == "A & B\nSub"
    article = ArticleFactory(body="<p>Hello <b>world</b></p>")
    assert article.body_text == "Hello world"


def test_pub_date_and_url_follow_published_at():
    at = timezone.make_aware(timezone.datetime(2024, 2, 5, 10, 0))
    article = ArticleFactory(slug="leica", published_at=at)
    assert article.pub_date.isoformat() == "2024-02-05"
    assert article.get_absolute_url() == "/2024/02/05/leica/"


def test_slug_unique_per_publication_date_only():
    at = timezone.now() - timedelta(days=2)
    ArticleFactory(slug="same", published_at=at)
    ArticleFactory(slug="same", published_at=at - timedelta(days=1))
    with pytest.raises(IntegrityError):
        ArticleFactory(slug="same", published_at=at)


@pytest.mark.parametrize(
    ("status", "offset", "visible"),
    [
        (Article.Status.DRAFT, -1, False),
        (Article.Status.DRAFT, +1, False),
        (Article.Status.IN_REVIEW, -1, False),
        (Article.Status.IN_REVIEW, +1, False),
        (Article.Status.PUBLISHED, -1, True),
        (Article.Status.PUBLISHED, +1, False),
    ],
)
def test_published_queryset_grid(status, offset, visible):
    article = ArticleFactory(
        status=status, published_at=timezone.now() + timedelta(hours=offset)
    )
    assert Article.objects.published().filter(pk=article.pk).exists() is visible


def test_published_requires_a_publication_time():
    article = ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_display_status_names_schedule_time():
    assert ArticleFactory(draft=True).display_status == "Draft"
    assert ArticleFactory(in_review=True).display_status == "In review"
    assert ArticleFactory().display_status.startswith("Published 20")
    scheduled = ArticleFactory(scheduled=True).display_status
    assert scheduled.startswith("Scheduled for ") and scheduled.endswith("(UTC)")


def test_str_and_section_url():
    section = SectionFactory(name="Hot News", slug="hot-news")
    assert str(section) == "Hot News"
    assert section.get_absolute_url() == "/section/hot-news/"


def test_one_allow_list_for_the_editor_and_the_sanitizer():
    """What WordPress writes and the editor can show survives a save: a
    figure with its image and caption (with the editor's own class, not
    WordPress's), sub/sup, code; <b>/<i> become the editor's <strong>/<em>;
    what the editor cannot make is removed."""
    from django_prose_editor.config import allowlist_from_extensions

    from articles.html import EDITOR_EXTENSIONS, sanitize_html

    figure = (
        '<figure class="wp-block-image"><img src="/media/lab.jpg" alt="The lab" '
        'width="640" height="360"><figcaption>The new lab</figcaption></figure>'
    )
    assert sanitize_html(figure) == figure.replace("wp-block-image", "figure")
    assert sanitize_html("<p>H<sub>2</sub>O, x<sup>2</sup>, <code>ls</code></p>") == (
        "<p>H<sub>2</sub>O, x<sup>2</sup>, <code>ls</code></p>"
    )
    assert sanitize_html("<p><b>bold</b> <i>it</i></p>") == (
        "<p><strong>bold</strong> <em>it</em></p>"
    )
    assert sanitize_html('<img src="x" onerror="alert(1)"><script>1</script>') == (
        '<img src="x">'
    )
    editor = allowlist_from_extensions(EDITOR_EXTENSIONS)["tags"]
    assert {"figure", "figcaption", "img", "sub", "sup", "pre", "code"} <= editor
    field = ArticleFactory._meta.model._meta.get_field("body")
    assert field.config["extensions"] == EDITOR_EXTENSIONS  # the same list
