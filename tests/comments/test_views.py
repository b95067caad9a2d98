import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from comments.models import BannedCommenter, Comment, held_article_ids
from comments.preferences import current
from tests.factories import ArticleFactory, CommentFactory, set_moderation

AUTHOR_COOKIE = django_settings.COMMENTS_AUTHOR_COOKIE
PENDING_COOKIE = django_settings.COMMENTS_PENDING_COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Xiaomi and Leica")


def test_article_page_shows_form_heading_and_count(client, article):
    CommentFactory.create_batch(3, article=article)
    CommentFactory(article=article, pending=True)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "LEAVE A REPLY" in html
    assert "3 comments" in html
    for name in ["name", "email", "body", "parent", "website", "ts", "remember"]:
        assert f'name="{name}"' in html
    assert "Save my name and email in this browser for the next time I comment." in html
    # A page cached for everyone carries no per-visitor token (the endpoint
    # checks fetch metadata and Origin instead; test_cross_origin.py).
    assert "csrfmiddlewaretoken" not in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"body": ""}, "body", "Please enter your comment!"),
        ({"body": "   "}, "body", "Please enter your comment!"),
        ({"name": ""}, "name", "Please enter your name here"),
        ({"email": ""}, "email", "Please enter your email address here"),
        (
            {"email": "not-an-email"},
            "email",
            "You have entered an incorrect email address!",
        ),
        ({"name": "n" * 246}, "name", "at most 245 characters"),
        ({"email": "a" * 95 + "@x.com"}, "email", "at most 100 characters"),
        ({"body": "b" * 65526}, "body", "at most 65,525 characters"),
    ],
)
def test_form_errors_are_exact_and_keep_what_was_typed(
    post_comment, article, fields, field, message
):
    typed = {"name": "Ana Souza", "email": "ana@example.com", "body": "My words"}
    response = post_comment(article, **{**typed, **fields})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    for key, value in typed.items():
        if key not in fields:
            assert value in html
    # Focus lands on the first field with an error.
    assert re.search(rf'<[^>]*name="{field}"[^>]*autofocus', html) or re.search(
        rf'<[^>]*autofocus[^>]*name="{field}"', html
    )
    assert Comment.objects.count() == 0


def test_all_errors_at_once_focus_the_first(post_comment, article):
    html = post_comment(article, name="", email="", body="").content.decode()
    assert "Please enter your comment!" in html
    assert "Please enter your name here" in html
    assert "Please enter your email address here" in html
    assert html.count("autofocus") == 1
    assert re.search(r"<textarea[^>]*autofocus", html)


def test_valid_post_redirects_to_anchor_and_only_commenter_sees_pending(
    client, post_comment, article
):
    response = post_comment(article, body="First!")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert response.status_code == 303
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"
    own = client.get(article.get_absolute_url()).content.decode()
    assert "Your comment is awaiting moderation." in own
    assert "First!" in own
    other = Client().get(article.get_absolute_url()).content.decode()
    assert "First!" not in other
    assert "awaiting moderation" not in other


def test_approved_comment_is_shown_to_everyone(post_comment, article):
    post_comment(article, body="Visible later")
    Comment.objects.update(status=Comment.Status.APPROVED)
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Visible later" in html
    assert "1 comment" in html


def test_forged_pending_cookie_shows_nothing(article):
    comment = CommentFactory(article=article, pending=True, body="Secret pending")
    client = Client()
    client.cookies[PENDING_COOKIE] = f"[{comment.pk}]"
    assert (
        "Secret pending" not in client.get(article.get_absolute_url()).content.decode()
    )


def test_remember_me_cookie_prefills_and_untick_clears(
    client, post_comment, article, settings
):
    set_moderation(flood_seconds=0)
    post_comment(article, remember="on", name="Ana Souza", email="ana@example.com")
    assert client.cookies[AUTHOR_COOKIE].value
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'value="Ana Souza"' in html and 'value="ana@example.com"' in html
    response = post_comment(article, body="Second one", ip="198.51.100.2")
    assert response.status_code == 303
    assert response.cookies[AUTHOR_COOKIE].value == ""
    html = Client().get(article.get_absolute_url()).content.decode()
    assert 'value="Ana Souza"' not in html


def test_no_remember_by_default(client, post_comment, article):
    response = post_comment(article)
    assert (
        not response.cookies.get(AUTHOR_COOKIE)
        or not response.cookies[AUTHOR_COOKIE].value
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert re.search(r'<input[^>]*name="remember"', html)
    assert not re.search(r'<input[^>]*name="remember"[^>]*checked', html)


def test_comments_closed_by_switch(client, post_comment):
    article = ArticleFactory(comments_open=False)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Comments are closed." in html
    assert 'name="body"' not in html
    response = post_comment(article, body="Typed <before> they closed")
    assert response.status_code == 403
    assert Comment.objects.count() == 0
    html = response.content.decode()
    assert html.count("Comments are closed.") == 1
    assert "Typed &lt;before&gt; they closed</textarea>" in html  # kept, escaped


def test_comments_close_automatically_after_n_days(client, post_comment, settings):
    set_moderation(close_after_days=30)
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=31))
    fresh = ArticleFactory(published_at=timezone.now() - timedelta(days=29))
    assert "Comments are closed." in client.get(old.get_absolute_url()).content.decode()
    assert (
        "Comments are closed."
        not in client.get(fresh.get_absolute_url()).content.decode()
    )
    assert post_comment(old).status_code == 403
    assert Comment.objects.count() == 0


def test_posting_to_unpublished_article_is_404(post_comment):
    assert post_comment(ArticleFactory(draft=True)).status_code == 404
    assert Comment.objects.count() == 0


def test_get_on_post_url_is_405(client, article):
    assert client.get(f"/comments/post/{article.pk}/").status_code == 405


def test_reply_threads_under_parent(client, post_comment, article):
    parent = CommentFactory(article=article, body="Parent")
    response = post_comment(article, parent=parent.pk, body="Child")
    assert response.status_code == 303
    child = Comment.objects.get(body="Child")
    assert child.parent == parent and child.depth == 1 and child.thread == parent


def test_replies_deeper_than_three_levels_attach_to_deepest(post_comment, article):
    a = CommentFactory(article=article)
    b = CommentFactory(article=article, parent=a)
    c = CommentFactory(article=article, parent=b)
    post_comment(article, parent=c.pk, body="Too deep")
    reply = Comment.objects.get(body="Too deep")
    assert reply.depth == 2 and reply.parent == b and reply.thread == a


@pytest.mark.parametrize("kind", ["pending", "other-article", "unknown", "spam"])
def test_reply_to_unavailable_comment_is_refused(post_comment, article, kind):
    if kind == "pending":
        parent_id = CommentFactory(article=article, pending=True).pk
    elif kind == "spam":
        parent_id = CommentFactory(article=article, spam=True).pk
    elif kind == "other-article":
        parent_id = CommentFactory().pk
    else:
        parent_id = 999999
    response = post_comment(article, parent=parent_id, body="Reply")
    assert response.status_code == 400
    assert (
        "The comment you are replying to is not available" in response.content.decode()
    )
    assert not Comment.objects.filter(body="Reply").exists()


@pytest.mark.parametrize("parent", ["abc", "-1", "0", "1e9", "99999999999999999999"])
def test_malformed_parent_is_a_form_error(post_comment, article, parent):
    response = post_comment(article, parent=parent, body="Reply")
    assert response.status_code == 400
    assert not Comment.objects.filter(body="Reply").exists()


def test_reply_link_works_without_javascript(client, article):
    parent = CommentFactory(article=article, name="Rafael")
    html = client.get(
        article.get_absolute_url(), {"replytocom": parent.pk}
    ).content.decode()
    assert re.search(rf'name="parent" value="{parent.pk}"', html)
    assert "Replying to <strong" in html and "Rafael" in html


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "&lt;b&gt;entities&amp;",
    "x" * 5000,
    "\u202egnp.exe",
    '"><svg onload=alert(1)>',
]


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_bodies_stored_as_typed_and_rendered_escaped(client, article, body):
    CommentFactory(article=article, body=body, name=body[:200])
    stored = Comment.objects.get()
    assert stored.body == body
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert 'onerror="alert' not in html
    assert 'href="javascript:' not in html
    assert "<svg" not in html


def test_urls_become_nofollow_ugc_links_and_line_breaks_kept(client, article):
    CommentFactory(
        article=article, body="See https://example.com/x now\nline two\n\npara"
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert (
        '<a href="https://example.com/x" rel="nofollow ugc">https://example.com/x</a>'
        in html
    )
    assert "now<br>line two</p><p>para</p>" in html


def test_thread_paginates_top_level_and_keeps_replies_with_parent(
    client, article, settings
):
    settings.COMMENTS_PER_PAGE = 50
    base = timezone.now() - timedelta(days=1)
    roots = []
    for i in range(60):
        c = CommentFactory(article=article, body=f"root {i:02d}")
        Comment.objects.filter(pk=c.pk).update(created_at=base + timedelta(minutes=i))
        roots.append(c)
    reply = CommentFactory(article=article, parent=roots[10], body="late reply")
    page1 = client.get(article.get_absolute_url()).content.decode()
    assert "root 00" in page1 and "root 49" in page1 and "root 50" not in page1
    assert "late reply" in page1
    assert page1.index("root 10") < page1.index("late reply") < page1.index("root 11")
    page2 = client.get(article.get_absolute_url(), {"cpage": 2}).content.decode()
    assert "root 50" in page2 and "root 59" in page2 and "root 00" not in page2
    assert reply.body not in page2
    assert "60 comments" not in page1  # approved count includes the reply
    assert "61 comments" in page1


def test_a_page_past_the_end_shows_the_last_page_as_this_reader_sees_it(
    client, article, settings
):
    """Counted from what the reader may see: the story's held and spam
    comments (thousands, in an attack) count for nothing, the reader's own
    pending comment counts as a top-level comment of their thread."""
    from django.core import signing

    from comments.visitor import PENDING_SALT

    settings.COMMENTS_PER_PAGE = 5
    base = timezone.now() - timedelta(days=1)
    for i in range(7):
        c = CommentFactory(article=article, body=f"root {i:02d}")
        Comment.objects.filter(pk=c.pk).update(created_at=base + timedelta(minutes=i))
    CommentFactory.create_batch(6, article=article, pending=True, body="held")
    CommentFactory.create_batch(6, article=article, spam=True, body="spam")
    own = CommentFactory(article=article, pending=True, body="my own words")
    client.cookies[PENDING_COOKIE] = signing.dumps([own.pk], salt=PENDING_SALT)
    page = client.get(article.get_absolute_url(), {"cpage": 999}).content.decode()
    # 7 approved + 1 own = 8 top-level comments: the last page is page 2.
    assert "root 05" in page and "root 06" in page and "my own words" in page
    assert "root 04" not in page and "held" not in page and "spam" not in page
    assert "7 comments" in page  # the approved ones


@pytest.mark.parametrize("cpage", ["abc", "-5", "0", "999999"])
def test_bad_comment_page_numbers_do_not_break_the_article(client, article, cpage):
    CommentFactory(article=article)
    assert client.get(article.get_absolute_url(), {"cpage": cpage}).status_code == 200


def test_article_with_500_comments_stays_within_query_budget(
    client, article, django_assert_max_num_queries
):
    roots = CommentFactory.create_batch(100, article=article)
    for root in roots:
        child = CommentFactory(article=article, parent=root)
        CommentFactory(article=article, parent=child)
    CommentFactory.create_batch(200, article=article)
    assert Comment.objects.approved().count() == 500
    # Site-wide facts read once per process and version, not per page: the
    # moderation settings, the stories under legal hold, the breaking-news
    # banner and "most read" (kept as fragments).
    current()
    held_article_ids()
    client.get("/breaking/"), client.get("/most-read/")
    with django_assert_max_num_queries(8):
        response = client.get(article.get_absolute_url())
    assert "500 comments" in response.content.decode()


def test_pending_commenter_page_stays_within_query_budget(
    client, post_comment, article, django_assert_max_num_queries
):
    CommentFactory.create_batch(50, article=article)
    location = post_comment(article)["Location"]
    assert "?cpage=2#comment-" in location  # 50 older top-level comments
    # The banner and "most read": site-wide fragments, read once.
    client.get("/breaking/"), client.get("/most-read/")
    with django_assert_max_num_queries(8):
        html = client.get(location).content.decode()
    assert "awaiting moderation" in html


def test_redirect_page_counts_approved_and_own_pending_comments_before(article):
    """A new comment's thread page: the top-level comments before its
    thread's start that its writer sees (approved, and their own pending
    ones), counted as it is stored."""
    from datetime import timedelta

    from django.utils import timezone

    from comments.services import comment_submit
    from comments.views import page_of

    old = timezone.now() - timedelta(hours=1)
    approved = [
        CommentFactory(article=article, created_at=old + timedelta(seconds=n))
        for n in range(49)
    ]
    CommentFactory(  # someone else's, waiting
        article=article, pending=True, created_at=old + timedelta(seconds=49)
    )
    mine = CommentFactory(
        article=article, pending=True, created_at=old + timedelta(seconds=50)
    )

    def submit(n, **extra):
        return comment_submit(
            article=article,
            name="Ana",
            email=f"ana{n}@example.com",
            body=f"New comment {n}",
            ip=f"198.51.100.{n}",
            form_age=30.0,
            **extra,
        )

    assert page_of(submit(1).earlier) == 1  # 49 before it: page 1
    with_mine = submit(2, own_pending_ids=[mine.pk])
    assert with_mine.earlier == 50 and page_of(with_mine.earlier) == 2
    # A reply sits on its root's page: 10 approved before the root.
    reply = submit(3, parent=approved[10], own_pending_ids=[mine.pk])
    assert reply.comment.parent_id == approved[10].pk
    assert reply.earlier == 10 and page_of(reply.earlier) == 1


def form_fields(html: str) -> dict:
    return dict(re.findall(r'name="(csrfmiddlewaretoken|ts)" value="([^"]*)"', html))


def test_posting_at_once_from_a_cached_page_is_not_passed_as_slow(article, settings):
    """The page (and its form time) came from the page cache a while ago: a
    bot posting the instant it fetched it must not look like a slow human."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    url = article.get_absolute_url()
    Client().get(url)
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        bot = Client()
        page = bot.get(url)
        assert page["X-Page-Cache"] == "hit"
        fields = form_fields(page.content.decode())
        response = bot.post(
            f"/comments/post/{article.pk}/",
            {"name": "Bot", "email": "bot@example.com", "body": "Buy now", **fields},
            REMOTE_ADDR="203.0.113.66",
        )
    assert response.status_code == 303
    comment = Comment.objects.get(email="bot@example.com")
    assert (comment.status, comment.rule) == ("pending", "form-time-unknown")


def test_the_visitors_own_form_time_measures_the_fill_time(article, settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    reader = Client()
    page = reader.get(article.get_absolute_url())
    fields = form_fields(page.content.decode())
    timed = reader.get("/comments/form-time/")
    assert timed.status_code == 200 and "no-cache" in timed["Cache-Control"]
    fields["ts"] = timed.json()["ts"]
    data = {"name": "Ana", "email": "ana@example.com", "body": "Quick", **fields}
    reader.post(f"/comments/post/{article.pk}/", data, REMOTE_ADDR="198.51.100.7")
    assert Comment.objects.get(body="Quick").rule == "too-fast"
    with time_machine.travel(timezone.now() + timedelta(seconds=20), tick=False):
        data["body"] = "Thought it over"
        reader.post(f"/comments/post/{article.pk}/", data, REMOTE_ADDR="198.51.100.8")
    assert Comment.objects.get(body="Thought it over").rule == "default"


def test_posts_without_javascript_are_refused_by_flood_and_rate_rules(
    article, settings
):
    """Twelve posts from one address within seconds, from a page without its
    visitor's own form time (no JavaScript, a bot): the first waits for a
    moderator, every other is refused; none skips the rules by being held."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    url = article.get_absolute_url()
    bot = Client()
    fields = form_fields(bot.get(url).content.decode())
    codes = []
    for i in range(12):
        data = {
            "name": "Bot",
            "email": f"bot{i}@example.com",
            "body": f"Buy now {i}",
            **fields,
        }
        response = bot.post(
            f"/comments/post/{article.pk}/", data, REMOTE_ADDR="203.0.113.70"
        )
        codes.append(response.status_code)
    assert codes == [303] + [429] * 11
    held = Comment.objects.get()
    assert held.status == "pending"
    assert held.rule in {"too-fast", "form-time-unknown"}


@pytest.mark.parametrize(
    "ban", [{"email": "BOT@example.com"}, {"ip": "203.0.113.71"}], ids=["email", "ip"]
)
def test_a_banned_sender_without_javascript_is_refused(article, settings, ban):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    BannedCommenter.objects.create(**ban)
    bot = Client()
    fields = form_fields(bot.get(article.get_absolute_url()).content.decode())
    data = {"name": "Bot", "email": "bot@example.com", "body": "Hello", **fields}
    response = bot.post(
        f"/comments/post/{article.pk}/", data, REMOTE_ADDR="203.0.113.71"
    )
    assert response.status_code == 403
    assert "not published" in response.content.decode()
    assert not Comment.objects.exists()
