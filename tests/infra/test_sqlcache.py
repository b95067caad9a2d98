"""QuerySets compiled once per process (infra/sqlcache.py): the same rows
and objects as the ORM, for every run's own values."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from articles import views
from articles.models import Article, ArticleAuthor, Tag
from comments.models import Comment
from comments.templatetags import comments as thread
from infra import sqlcache
from infra.sqlcache import AnyOf
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    CommentFactory,
    SectionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def fields(obj, names):
    return {name: getattr(obj, name) for name in names}


@pytest.fixture
def site():
    """Two sections, shared tags, stories an hour apart (one scheduled), two
    bylines on one of them: neighbours, related and bylines all differ from
    story to story."""
    news, sport = SectionFactory(name="News"), SectionFactory(name="Sport")
    red, blue = TagFactory(name="Red"), TagFactory(name="Blue")
    now = timezone.now()
    stories = []
    for n in range(8):
        story = ArticleFactory(
            title=f"Story {n}",
            section=news if n % 2 else sport,
            published_at=now - timedelta(hours=8 - n),
        )
        story.tags.set([red] if n % 3 == 0 else [blue] if n % 3 == 1 else [])
        stories.append(story)
    ArticleFactory(title="Scheduled", published_at=now + timedelta(hours=1))
    a, b = AuthorProfileFactory(), AuthorProfileFactory()
    ArticleAuthor.objects.create(article=stories[3], author=b, position=0)
    ArticleAuthor.objects.create(article=stories[3], author=a, position=1)
    return stories


CARD = ["pk", "title", "slug", "published_at", "section_id", "section_name", "kind"]


def test_neighbours_match_the_orm_for_every_story(site):
    for story in site:
        tag_ids = [t.pk for t in story.tags.all()]
        expected = Article.objects.published().neighbours_of(
            at=story.published_at,
            pk=story.pk,
            section_id=story.section_id,
            tag_ids=tag_ids,
            related=views.RELATED_COUNT,
        )
        got = views.neighbours(story, tag_ids=tag_ids)
        rows = [got["previous"], got["next"], *got["related"]]
        assert sorted(
            (fields(r, CARD) for r in rows if r is not None), key=lambda r: r["pk"]
        ) == sorted((fields(r, CARD) for r in expected), key=lambda r: r["pk"])
    first, last = (
        views.neighbours(site[0], tag_ids=[]),
        views.neighbours(site[-1], tag_ids=[]),
    )
    assert first["previous"] is None and first["next"].pk == site[1].pk
    assert last["next"] is None  # the scheduled story is not out yet


def test_the_article_row_matches_the_orm(site):
    for story in site:
        row = views.published_article(story.pk)
        orm = Article.objects.select_related("section").get(pk=story.pk)
        names = [f.attname for f in Article._meta.concrete_fields]
        assert fields(row, names) == fields(orm, names)
        assert row.section.name == orm.section.name  # select_related filled
        assert row.has_corrections is False
    scheduled = Article.objects.get(title="Scheduled")
    assert views.published_article(scheduled.pk) is None


def test_bylines_and_tags_follow_each_story(site):
    parts = views.ArticleParts(site[3], None, cacheable=False)
    assert [a.pk for a in parts.authors] == [
        b.author_id for b in site[3].bylines.order_by("position")
    ]
    for story in site:
        parts = views.ArticleParts(story, None, cacheable=False)
        assert parts.tags == list(story.tags.all())


def test_the_thread_matches_the_orm_with_and_without_the_readers_own_comments(
    settings,
):
    settings.COMMENTS_PER_PAGE = 3
    story, other = ArticleFactory(), ArticleFactory()
    roots = [CommentFactory(article=story) for _ in range(7)]
    reply = CommentFactory(article=story, parent=roots[0])
    mine = CommentFactory(article=story, pending=True)
    CommentFactory(article=story, pending=True)  # somebody else's
    CommentFactory(article=other)
    for own_ids, page in [([], 1), ([], 3), ([mine.pk], 3), ([mine.pk], 1)]:
        got = thread._thread(story, own_ids=own_ids, page_number=page)
        visible = Comment.objects.on(story).visible_to(own_ids=own_ids)
        top = list(visible.top_level().order_by("created_at", "pk"))
        start = (page - 1) * 3
        assert [c.pk for c in got["comments"]] == [c.pk for c in top[start : start + 3]]
        assert got["approved_count"] == 8  # seven roots and a reply
        assert got["page"].paginator.count == len(top)
    first = thread._thread(story, own_ids=[], page_number=1)["comments"]
    assert [c.pk for c in first[0].children] == [reply.pk]


def test_a_builder_must_use_every_value_it_is_given():
    def build(*, article, unused):
        return Tag.objects.filter(articles=article)

    with pytest.raises(ValueError, match="unused"):
        sqlcache.fetch(build, model=Tag, columns=["id"], article=1, unused=2)


def test_any_of_matches_a_list_and_nothing_for_an_empty_one(site):
    ids = [site[0].pk, site[2].pk]
    found = Article.objects.filter(AnyOf(F("pk"), ids)).values_list("pk", flat=True)
    assert set(found) == set(ids)
    assert not Article.objects.filter(AnyOf(F("pk"), [])).exists()


def test_shapes_kept_per_process_are_bounded(settings):
    settings.COMMENTS_PER_PAGE = 1
    story = ArticleFactory()
    CommentFactory(article=story)
    for page in range(sqlcache.MAX_SHAPES + 20):
        thread._thread(story, own_ids=[], page_number=page + 1)
    assert len(sqlcache._compiled) <= sqlcache.MAX_SHAPES


def test_a_run_is_prepared_on_the_server_and_seen_by_execute_wrappers(site):
    """Prepared, so PostgreSQL parses and plans it once per connection; still
    through the connection's execute wrappers (the replica's failure watch
    is one)."""
    from django.db import connection

    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        rows = sqlcache.fetch(
            views._tags, model=Tag, columns=["id", "name"], article=site[0].pk
        )
    assert [(t.pk, t.name) for t in rows] == [
        (t.pk, t.name) for t in site[0].tags.all()
    ]
    assert len(seen) == 1 and "articles_tag" in seen[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("articles_tag" in statement for statement in prepared), prepared


def test_a_failing_run_raises_djangos_error_and_leaves_the_connection_usable(site):
    from django.db import DatabaseError, transaction

    def build(*, article):
        return Tag.objects.filter(articles=article)

    columns = sqlcache.columns_of(Tag)
    with pytest.raises(DatabaseError), transaction.atomic():
        sqlcache.fetch(build, model=Tag, columns=columns, article="not a number")
    assert sqlcache.fetch(build, model=Tag, columns=columns, article=site[0].pk) == (
        list(site[0].tags.all())
    )
