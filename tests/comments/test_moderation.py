import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from comments import services
from comments.models import BannedCommenter, Comment, ModerationWord
from tests.factories import ArticleFactory, CommentFactory, UserFactory, set_moderation

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory()


def trusted(email):
    """An approved comment by `email`, an hour old (outside the flood window)."""
    comment = CommentFactory(email=email, approved=True, ip="192.0.2.99")
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )


def submit(article, **overrides):
    values = {
        "name": "Ana",
        "email": "ana@example.com",
        "body": "A fair point about lenses.",
        "ip": "198.51.100.9",
        "form_age": 10.0,
        **overrides,
    }
    return services.comment_submit(article=article, **values)


def test_honeypot_is_stored_as_spam_silently(article):
    result = submit(article, honeypot="http://spam.example")
    assert result.comment.status == Comment.Status.SPAM
    assert result.comment.rule == "honeypot"
    assert not result.decision.refused


@pytest.mark.parametrize("age", [0.5, 2.9, None])
def test_too_fast_or_forged_timestamp_is_held_for_a_moderator(article, settings, age):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    result = submit(article, form_age=age)
    assert (result.comment.status, result.comment.rule) == ("pending", "too-fast")


def test_three_seconds_is_fast_enough(article, settings):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    assert submit(article, form_age=3.1).comment.status == "pending"


@pytest.mark.parametrize("ban", [{"email": "ANA@example.com"}, {"ip": "198.51.100.9"}])
def test_banned_email_or_ip_is_refused_with_a_reason(article, ban):
    BannedCommenter.objects.create(**ban)
    result = submit(article)
    assert result.comment is None and not Comment.objects.exists()
    assert (result.decision.rule, result.decision.http_status) == ("banned", 403)
    assert "not published" in result.decision.refusal


def test_flood_same_email_or_ip_within_15_seconds(article):
    assert submit(article).comment
    again = submit(article, body="Another thought", ip="198.51.100.10")
    assert again.decision.refusal == (
        "You are posting comments too quickly: please wait 15 seconds between "
        "two comments."
    )
    assert again.decision.http_status == 429
    assert again.comment is None
    same_ip = submit(article, body="Third", email="other@example.com")
    assert same_ip.decision.rule == "flood"
    assert Comment.objects.count() == 1


def test_moderators_are_exempt_from_flood(article, roles):
    moderator = UserFactory(username="mod", groups="Moderator")
    submit(article, user=moderator)
    assert submit(article, body="Again", user=moderator).comment is not None


def test_rate_limit_per_ip_across_articles(settings):
    set_moderation(flood_seconds=0)
    set_moderation(rate_per_minute=10)
    for i in range(10):
        assert submit(ArticleFactory(), email=f"r{i}@example.com").comment
    result = submit(ArticleFactory(), email="r10@example.com")
    assert result.decision.rule == "rate-limit"
    assert result.decision.http_status == 429
    assert result.decision.refusal == (
        "You have posted 10 comments in the last minute: please wait a minute "
        "before the next."
    )


def test_duplicate_is_refused_with_409(article, settings):
    set_moderation(flood_seconds=0)
    submit(article)
    again = submit(article, ip="198.51.100.50")
    assert again.decision.http_status == 409
    assert again.decision.refusal == (
        "Duplicate comment detected; it looks as though you've already said that!"
    )
    assert Comment.objects.count() == 1


def test_same_text_on_another_article_is_not_a_duplicate(article, settings):
    set_moderation(flood_seconds=0)
    submit(article)
    assert submit(ArticleFactory()).comment is not None


def test_block_words_are_spam_and_hold_words_pending(article, settings):
    set_moderation(flood_seconds=0)
    set_moderation(trust_approved_emails=True)
    trusted("ana@example.com")
    ModerationWord.objects.create(word="casino", kind="block")
    ModerationWord.objects.create(word="embargo", kind="hold")
    blocked = submit(article, body="Best CASINO bonus")
    assert (blocked.comment.status, blocked.comment.rule) == ("spam", "block-word")
    held = submit(article, body="Breaking the embargo here")
    assert (held.comment.status, held.comment.rule) == ("pending", "hold-word")


def test_two_links_hold_for_moderation_even_for_trusted(article):
    trusted("ana@example.com")
    result = submit(article, body="See https://a.example and www.b.example")
    assert (result.comment.status, result.comment.rule) == ("pending", "links")


def test_trusted_email_is_approved_at_once(article):
    trusted("Ana@Example.com")
    result = submit(article)
    assert (result.comment.status, result.comment.rule) == ("approved", "trusted")


def test_trust_can_be_switched_off(article, settings):
    set_moderation(trust_approved_emails=False)
    trusted("ana@example.com")
    assert submit(article).comment.status == "pending"


def test_default_is_pending_and_records_everything(article):
    result = submit(article, user_agent="Mozilla/5.0 Test")
    comment = result.comment
    assert (comment.status, comment.rule) == ("pending", "default")
    assert comment.ip == "198.51.100.9"
    assert comment.user_agent == "Mozilla/5.0 Test"
    assert comment.created_at is not None
    assert [(d.status, d.rule) for d in comment.decisions.all()] == [
        ("pending", "default")
    ]


@pytest.mark.parametrize(
    ("mode", "ip", "stored"),
    [
        ("full", "198.51.100.9", "198.51.100.9"),
        ("truncated", "198.51.100.9", "198.51.100.0"),
        ("truncated", "2001:db8:1234:5678::1", "2001:db8:1234::"),
        ("none", "198.51.100.9", None),
    ],
)
def test_ip_storage_setting(article, settings, mode, ip, stored):
    settings.COMMENTS_IP_STORAGE = mode
    assert submit(article, ip=ip).comment.ip == stored


def test_pending_comment_emails_moderators_after_commit(
    article, roles, django_capture_on_commit_callbacks
):
    UserFactory(username="mod", groups="Moderator", email="mod@example.com")
    UserFactory(username="ed", groups="Editor", email="ed@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        submit(article)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mod@example.com"]
    assert "awaiting moderation" in mail.outbox[0].subject
    assert "A fair point about lenses." in mail.outbox[0].body


def test_no_mail_for_spam_or_approved(
    article, roles, django_capture_on_commit_callbacks
):
    UserFactory(username="mod", groups="Moderator", email="mod@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        submit(article, honeypot="x")
    assert mail.outbox == []


def test_a_new_moderation_word_applies_to_the_next_comment(
    article, settings, django_capture_on_commit_callbacks
):
    """The word lists are cached; adding or removing a word drops them."""
    set_moderation(flood_seconds=0)
    set_moderation(rate_per_minute=100)
    assert submit(article, body="Poker night").comment.rule == "default"
    with django_capture_on_commit_callbacks(execute=True):
        word = ModerationWord.objects.create(word="poker", kind="block")
    blocked = submit(article, email="b@example.com", body="Poker again")
    assert blocked.comment.rule == "block-word"
    with django_capture_on_commit_callbacks(execute=True):
        word.delete()
    assert submit(article, email="c@example.com", body="Poker 3").comment.rule == (
        "default"
    )


def test_a_burst_of_pending_comments_is_one_email(
    article, roles, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from comments import tasks
    from comments.tasks import NOTICE_WINDOW_KEY

    set_moderation(flood_seconds=0)
    set_moderation(rate_per_minute=100)
    UserFactory(username="mod", groups="Moderator", email="mod@example.com")
    for i in range(5):  # five requests, each committing its comment
        with django_capture_on_commit_callbacks(execute=True):
            submit(article, email=f"r{i}@example.com", body=f"Burst comment {i}")
    assert len(mail.outbox) == 1
    assert "1 comment awaiting moderation" in mail.outbox[0].subject
    # The window closes (in the cache, and in what this process remembers).
    cache.delete(NOTICE_WINDOW_KEY)
    tasks._known_open["until"] = 0.0
    with django_capture_on_commit_callbacks(execute=True):
        submit(article, email="late@example.com", body="After the window")
    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    # Everything since the first e-mail: four from the burst and the new one.
    assert "5 comments awaiting moderation" in digest.subject
    assert "Burst comment 4" in digest.body and "After the window" in digest.body
    assert "Burst comment 0" not in digest.body  # already announced


def test_comments_inside_the_window_get_a_deferred_follow_up(
    article, roles, settings, django_capture_on_commit_callbacks
):
    from django.tasks import task_backends
    from django.utils import timezone

    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}
    }
    set_moderation(flood_seconds=0)
    set_moderation(rate_per_minute=100)
    for i in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            submit(article, email=f"w{i}@example.com", body=f"Window {i}")
    results = task_backends["default"].results
    assert len(results) == 2  # one now, one follow-up when the window closes
    now_task, follow_up = (r.task for r in results)
    assert now_task.run_after is None
    wait = (follow_up.run_after - timezone.now()).total_seconds()
    assert (
        settings.COMMENTS_NOTIFY_SECONDS - 5 < wait <= settings.COMMENTS_NOTIFY_SECONDS
    )


def test_the_policy_statement_is_prepared_once_per_connection(article, settings):
    """Hot fixed SQL is a prepared statement: planned once per connection."""
    from django.db import connection

    set_moderation(flood_seconds=0)
    set_moderation(rate_per_minute=100)
    for i in range(7):
        assert submit(article, email=f"p{i}@example.com", body=f"Prepared {i}").comment
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%comments_bannedcommenter%"],
        )
        assert cursor.fetchone()[0] == 1


def test_a_shared_page_time_is_held_as_unknown(article, settings):
    """A form time from a page a cache may serve to many says nothing about
    this visitor: held for a moderator under its own rule, never approved."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    result = submit(article, form_age=60, form_age_measured=False)
    assert (result.comment.status, result.comment.rule) == (
        "pending",
        "form-time-unknown",
    )
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0  # the rule switched off
    other = submit(
        ArticleFactory(), email="b@example.com", ip="192.0.2.7", form_age_measured=False
    )
    assert other.comment.rule != "form-time-unknown"


def facts_params(article) -> dict:
    now = timezone.now()
    return {
        "email": "x@example.com", "ip": "10.0.0.1", "exempt": False,
        "flood_on": True, "flood_since": now, "minute_ago": now,
        "rate_offset": 4, "article": article.pk, "surge_since": now, "surge_cap": 60,
    }  # fmt: skip


def generic_plan(sql: str, params: dict, *, mode="force_generic_plan", analyze=True):
    """The plan PostgreSQL keeps for `sql` prepared on a connection (as
    comments.sql runs it), planned without its values (or, with
    mode="force_custom_plan", for them), after the sender's lock statement
    in the same transaction, as moderation.decide runs it."""
    import re

    from django.db import connection

    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
    prepared = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", sql)
    with connection.cursor() as cursor:
        if analyze:
            cursor.execute("ANALYZE comments_comment")
        cursor.execute(f"SET LOCAL plan_cache_mode = {mode}")
        cursor.execute(*services._lock("x@example.com", "10.0.0.1"))
        cursor.execute("PREPARE stmt AS " + prepared.replace("%%", "%"))
        cursor.execute(
            "EXPLAIN (FORMAT JSON) EXECUTE stmt ("
            + ", ".join(["%s"] * len(names))
            + ")",
            [params[name] for name in names],
        )
        plan = cursor.fetchone()[0][0]["Plan"]
        cursor.execute("DEALLOCATE stmt")
        cursor.execute("SHOW jit")  # never compiled: a post costs ~0.3 ms
        assert cursor.fetchone()[0] == "off"
    if mode == "force_generic_plan":
        assert "$1" in json.dumps(plan), "planned for the values, not generic"
    return plan


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def test_the_surge_count_reads_only_the_storys_newest_comments(article):
    """The policy's statement is prepared once per connection and kept with
    a generic plan. Its surge count must walk the story's own newest
    comments (article, status, created_at) whatever the statistics say: a
    plan that read every recent comment of the site through the BRIN index
    on created_at made each post of a surge slower than the one before."""
    from comments import moderation

    for n in range(30):
        CommentFactory(article=article, body=f"earlier {n}")
    # The rest of the site is busy too: every one of these is recent.
    elsewhere = ArticleFactory()
    Comment.objects.bulk_create(
        CommentFactory.build(article=elsewhere, body=f"elsewhere {n}")
        for n in range(2000)
    )
    plan = generic_plan(moderation.facts_sql(), facts_params(article))
    (count,) = [n for n in plan["Plans"] if n["Node Type"] == "Aggregate"]
    kinds = [n["Node Type"] for n in plan_nodes(count)]
    # Ordered index scans a LIMIT can stop: nothing that reads every match.
    assert kinds.count("Index Only Scan") + kinds.count("Index Scan") == 4, kinds
    assert not {"Sort", "Seq Scan", "Bitmap Heap Scan"} & set(kinds), kinds
    assert "comment_created_brin" not in json.dumps(count)


def test_a_plan_made_on_a_nearly_empty_table_still_uses_the_indexes(article):
    """A new site: the rules statement is planned while the comments table
    has a page or two, where reading it whole is cheapest; that plan is kept
    while a burst of comments grows the table (until PostgreSQL analyzes it
    again), so it must neither scan the table nor read every recent comment
    through the BRIN index on created_at (the flood rule's e-mail branch
    did: each post of the burst then upper-cased every comment of the last
    minutes, and posts slowed as the table grew)."""
    from comments import moderation

    CommentFactory(article=article)
    assert_indexes_used(generic_plan(moderation.facts_sql(), facts_params(article)))


def assert_indexes_used(plan):
    scans = [
        n for n in plan_nodes(plan) if n.get("Relation Name") == "comments_comment"
    ]
    kinds = {n["Node Type"] for n in scans}
    assert scans and not {"Seq Scan", "Bitmap Heap Scan"} & kinds, scans
    assert "comment_created_brin" not in json.dumps(plan)


def insert_pending(cursor, article, count: int, *, name: str) -> None:
    """`count` top-level pending comments on `article`, each from its own
    address, written in one statement (the factories would take minutes)."""
    cursor.execute(
        "INSERT INTO comments_comment (article_id, depth, name, email, body,"
        " status, rule, ip, user_agent, created_at, notify_decision)"
        " SELECT %(article)s, 0, %(name)s, %(name)s || n || '@example.com',"
        " %(name)s || ' ' || n, 'pending', 'surge', '10.9.0.0'::inet + n, '',"
        " now(), false FROM generate_series(1, %(count)s) AS n",
        {"article": article.pk, "name": name, "count": count},
    )


@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_a_plan_made_after_many_comments_were_deleted_still_uses_the_indexes():
    """The table of a site whose comments were purged (or a bench that
    deletes its posts): a page of live rows, and b-tree indexes still as
    large as before until they are rebuilt. Planned then, reading the recent
    comments through the small BRIN index looked cheaper than the e-mail
    index, and the plan was kept through the next burst: measured, the
    database's CPU a post doubled and posts fell from ~450/s to ~300/s."""
    from django.db import connection, transaction

    from comments import moderation

    article = ArticleFactory()
    CommentFactory.create_batch(20, article=article)
    with connection.cursor() as cursor:
        insert_pending(cursor, article, 30000, name="Gone")
        cursor.execute("DELETE FROM comments_comment WHERE name = 'Gone'")
        cursor.execute("VACUUM ANALYZE comments_comment")
    with transaction.atomic():
        assert_indexes_used(generic_plan(moderation.facts_sql(), facts_params(article)))


@pytest.mark.django_db(transaction=True)  # statistics from before the burst
def test_the_thread_page_count_reads_the_storys_comments_whatever_the_statistics():
    """The insert also counts the story's approved top-level comments before
    the new one (its thread page). Planned on statistics taken before a burst
    of top-level comments (a new site's first breaking story; the bench),
    PostgreSQL read them through the parent index, every top-level comment of
    the site on each post (3,000 buffers a post after a few thousand posts,
    measured). Whatever the statistics, it must read the story's own range."""
    from django.db import connection, transaction

    article, elsewhere = ArticleFactory(), ArticleFactory()
    for story in (article, elsewhere):
        CommentFactory.create_batch(50, article=story, approved=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")  # before the burst
        insert_pending(cursor, article, 5000, name="Burst")  # the story itself
    now = timezone.now()
    params = {
        "article": article.pk, "parent": None, "thread": None, "depth": 0,
        "user": None, "name": "Ana", "email": "ana@example.com", "body": "Hi",
        "status": "pending", "rule": "surge", "ip": "10.0.0.1", "user_agent": "",
        "created_at": now, "notify": False, "notify_replies": False, "before": now,
    }  # fmt: skip
    # A reader with none of their own comments pending, and one with some.
    shapes = [
        (services.insert_sql(mine=False), params, {"comment_article_status_idx"}),
        (
            services.insert_sql(mine=True),
            {**params, "mine": [1, 2]},
            {"comment_article_status_idx", "comments_comment_pkey"},
        ),
    ]
    for sql, values, expected in shapes:
        for mode in ("force_custom_plan", "force_generic_plan"):
            with transaction.atomic():
                plan = generic_plan(sql, values, mode=mode, analyze=False)
            reads = {
                n["Index Name"]
                for n in plan_nodes(plan)
                if n.get("Relation Name") == "comments_comment" and "Index Name" in n
            }
            assert reads == expected, (mode, reads)


UNTIMED = {
    "no-time": {"form_age": None},
    "too-fast": {"form_age": 0.5},
    "shared-time": {"form_age": 30.0, "form_age_measured": False},
}


@pytest.mark.parametrize("timing", UNTIMED.values(), ids=UNTIMED.keys())
@pytest.mark.parametrize(
    "ban", [{"email": "ana@EXAMPLE.com"}, {"ip": "198.51.100.9"}], ids=["email", "ip"]
)
def test_a_ban_refuses_posts_the_bot_rule_would_hold(article, settings, timing, ban):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    BannedCommenter.objects.create(**ban)
    result = submit(article, **timing)
    assert (result.decision.rule, result.decision.http_status) == ("banned", 403)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("timing", UNTIMED.values(), ids=UNTIMED.keys())
def test_a_held_post_counts_toward_flood_and_rate(article, settings, timing):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    held = submit(article, **timing)
    assert held.comment.status == "pending"
    assert held.comment.rule in {"too-fast", "form-time-unknown"}
    flood = submit(article, body="Second", email="b@example.com", **timing)
    assert (flood.decision.rule, flood.decision.http_status) == ("flood", 429)
    set_moderation(flood_seconds=0)
    set_moderation(rate_per_minute=2)
    assert submit(article, body="Third", email="c@example.com", **timing).comment
    rate = submit(article, body="Fourth", email="d@example.com", **timing)
    assert (rate.decision.rule, rate.decision.http_status) == ("rate-limit", 429)
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("timing", UNTIMED.values(), ids=UNTIMED.keys())
def test_a_post_the_bot_rule_would_hold_is_refused_as_a_duplicate(
    article, settings, timing
):
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 3
    set_moderation(flood_seconds=0)
    submit(article, **timing)
    again = submit(article, ip="198.51.100.50", **timing)
    assert again.decision.http_status == 409
    assert Comment.objects.count() == 1


def test_the_honeypot_alone_decides_before_the_refusals(article):
    BannedCommenter.objects.create(email="ana@example.com")
    result = submit(article, honeypot="http://spam.example", form_age=None)
    assert (result.comment.status, result.comment.rule) == ("spam", "honeypot")


def test_a_stored_comment_is_a_loaded_model_and_its_signal_is_sent(
    article, django_capture_on_commit_callbacks
):
    """The post's one statement stores the comment; what comes back is the
    row as the ORM loads one (saving it again updates it), and post_save is
    sent once, created, so the receiver invalidates the page (one place)."""
    from django.db.models.signals import post_save

    from caching import tagversions

    trusted("ana@example.com")  # approved at once: readers see it
    tag = f"article:{article.pk}"
    before = tagversions.versions([tag])
    sent = []

    def receiver(instance, created, **kwargs):
        sent.append((instance.pk, created, instance.status))

    post_save.connect(receiver, sender=Comment)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = submit(article)
    finally:
        post_save.disconnect(receiver, sender=Comment)
    comment = result.comment
    assert comment.status == Comment.Status.APPROVED
    assert sent == [(comment.pk, True, Comment.Status.APPROVED)]
    tagversions.forget_local_versions()
    assert tagversions.versions([tag]) != before  # the page was invalidated
    assert comment.article == article and comment.parent is None
    comment.body = "Edited"
    comment.save()  # an UPDATE of the stored row, not a second INSERT
    assert Comment.objects.get(pk=comment.pk).body == "Edited"
    assert Comment.objects.count() == 2  # the trusted one and this one
    assert comment.decisions.get().rule == comment.rule
