import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleRevision
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    SectionFactory,
    UserFactory,
    image_file,
)

pytestmark = pytest.mark.django_db


def form_data(section, **overrides):
    data = {
        "title": "A new story",
        "slug": "a-new-story",
        "standfirst": "Dek",
        "body": "<p>Hello</p>",
        "section": section.pk if section else None,
        "status": Article.Status.DRAFT,
        "comments_open": "on",
        "language": "en",  # the select's default, as a browser sends it
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def change_data(article, **overrides):
    values = {"title": article.title, "slug": article.slug, "status": article.status}
    return form_data(article.section, **{**values, **overrides})


# Expected outcomes per role: add, change own draft, change others' draft,
# publish, delete others' article.
MATRIX = {
    "Journalist": (True, True, False, False, False),
    "Editor": (True, True, True, True, True),
    "Moderator": (False, False, False, False, False),
    "admin": (True, True, True, True, True),
    "reader": (False, False, False, False, False),
    "anonymous": (False, False, False, False, False),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_matrix(client, people, role):
    can_add, can_change_own, can_change_other, can_publish, can_delete = MATRIX[role]
    section = SectionFactory()
    user = people.get(role)
    if user is not None:
        client.force_login(user)
    someone = UserFactory(username="someone", groups="Journalist")
    others = ArticleFactory(draft=True, created_by=someone, section=section)
    own = ArticleFactory(draft=True, created_by=user, section=section)

    # add
    response = client.post(
        reverse("admin:articles_article_add"), form_data(section, slug="added")
    )
    assert Article.objects.filter(slug="added").exists() is can_add, response

    # change own draft
    client.post(
        reverse("admin:articles_article_change", args=[own.pk]),
        change_data(own, title="Own edited"),
    )
    own.refresh_from_db()
    assert (own.title == "Own edited") is can_change_own

    # change someone else's draft
    client.post(
        reverse("admin:articles_article_change", args=[others.pk]),
        change_data(others, title="Other edited"),
    )
    others.refresh_from_db()
    assert (others.title == "Other edited") is can_change_other

    # publish (through the form and through the bulk action)
    target = ArticleFactory(in_review=True, created_by=user, section=section)
    client.post(
        reverse("admin:articles_article_change", args=[target.pk]),
        change_data(target, status=Article.Status.PUBLISHED),
    )
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [target.pk]},
    )
    target.refresh_from_db()
    assert (target.status == Article.Status.PUBLISHED) is can_publish

    # delete someone else's article
    victim = ArticleFactory(created_by=someone, section=section)
    client.post(
        reverse("admin:articles_article_delete", args=[victim.pk]), {"post": "yes"}
    )
    assert (not Article.objects.filter(pk=victim.pk).exists()) is can_delete


def test_journalist_cannot_edit_own_article_once_published(client, people):
    journalist = people["Journalist"]
    article = ArticleFactory(created_by=journalist)
    client.force_login(journalist)
    url = reverse("admin:articles_article_change", args=[article.pk])
    client.post(url, change_data(article, title="Sneaky edit"))
    article.refresh_from_db()
    assert article.title != "Sneaky edit"


def test_journalist_submits_for_review_and_sees_no_publish_choice(client, people):
    journalist = people["Journalist"]
    client.force_login(journalist)
    response = client.get(reverse("admin:articles_article_add"))
    html = response.content.decode()
    assert 'value="in_review"' in html
    assert 'value="published"' not in html
    section = SectionFactory()
    client.post(
        reverse("admin:articles_article_add"),
        form_data(section, slug="review-me", status=Article.Status.IN_REVIEW),
    )
    article = Article.objects.get(slug="review-me")
    assert article.status == Article.Status.IN_REVIEW
    assert article.created_by == journalist
    assert [b.author.user for b in article.bylines.all()] == [journalist]


def test_editor_schedules_then_publishes(client, people):
    editor = people["Editor"]
    client.force_login(editor)
    article = ArticleFactory(in_review=True)
    later = timezone.localtime() + timedelta(minutes=1)
    client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        change_data(
            article,
            status=Article.Status.PUBLISHED,
            published_at_0=later.strftime("%Y-%m-%d"),
            published_at_1=later.strftime("%H:%M:%S"),
        ),
    )
    article.refresh_from_db()
    assert article.is_scheduled
    changelist = client.get(reverse("admin:articles_article_changelist"))
    assert "Scheduled for" in changelist.content.decode()
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.is_published


def test_unpublish_action(client, people):
    client.force_login(people["Editor"])
    article = ArticleFactory()
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish_selected", "_selected_action": [article.pk]},
    )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_image_without_alt_text_is_refused_and_form_keeps_input(
    client, people, media_root
):
    client.force_login(people["Editor"])
    section = SectionFactory()
    response = client.post(
        reverse("admin:articles_article_add"),
        form_data(section, slug="img", featured_image=image_file()),
    )
    assert response.status_code == 200
    assert "Describe the image" in response.content.decode()
    assert 'value="A new story"' in response.content.decode()
    assert not Article.objects.filter(slug="img").exists()


def test_upload_makes_renditions_and_preview(client, people, media_root):
    client.force_login(people["Editor"])
    section = SectionFactory()
    client.post(
        reverse("admin:articles_article_add"),
        form_data(
            section,
            slug="img",
            featured_image=image_file(size=(1500, 1000)),
            featured_image_alt="Red square",
        ),
    )
    article = Article.objects.get(slug="img")
    renditions = article.featured_image_renditions
    assert [w for _, w in renditions["webp"]] == [320, 640, 960, 1280, 1500]
    assert [w for _, w in renditions["fallback"]] == [320, 640, 960, 1280, 1500]
    assert renditions["fallback_type"] == "image/jpeg"
    for name, _ in renditions["webp"]:
        assert (media_root / name).exists()
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert 'alt="Red square" style="max-width:240px' in page.content.decode()


def test_admin_keeps_no_per_request_state(client, people, media_root):
    """One ModelAdmin serves every thread of a process: saving (with and
    without a new image) must leave nothing on it for another save to read."""
    from django.contrib import admin

    model_admin = admin.site._registry[Article]
    before = dict(vars(model_admin))
    client.force_login(people["Editor"])
    section = SectionFactory()
    client.post(
        reverse("admin:articles_article_add"),
        form_data(
            section, slug="img", featured_image=image_file(), featured_image_alt="A"
        ),
    )
    article = Article.objects.get(slug="img")
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        change_data(article, featured_image_alt="A", title="Retitled"),
    )
    assert response.status_code == 302
    assert dict(vars(model_admin)) == before


def test_slug_clash_on_same_date_is_a_form_error(client, people):
    client.force_login(people["Editor"])
    existing = ArticleFactory(slug="same")
    local = timezone.localtime(existing.published_at)
    response = client.post(
        reverse("admin:articles_article_add"),
        form_data(
            existing.section,
            slug="same",
            status=Article.Status.PUBLISHED,
            published_at_0=local.strftime("%Y-%m-%d"),
            published_at_1=local.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 200
    assert "Another article published on that date" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("reader", 404),
        ("Moderator", 404),
        ("Journalist-other", 404),
        ("Journalist-own", 200),
        ("Editor", 200),
        ("admin", 200),
    ],
)
def test_preview_only_for_users_who_may_change(client, people, role, status):
    owner = people["Journalist"]
    drafts = [
        ArticleFactory(draft=True, created_by=owner, title="Embargoed"),
        ArticleFactory(scheduled=True, created_by=owner, title="Embargoed"),
    ]
    if role == "Journalist-other":
        client.force_login(UserFactory(username="j2", groups="Journalist"))
    elif role == "Journalist-own":
        client.force_login(owner)
    elif role in people:
        client.force_login(people[role])
    for article in drafts:
        if role == "Journalist-own" and article.status == Article.Status.PUBLISHED:
            continue  # scheduled = published status: editors' business now
        response = client.get(reverse("articles:preview", args=[article.pk]))
        assert response.status_code == status
        if status == 200:
            assert "Preview." in response.content.decode()
            assert "no-cache" in response["Cache-Control"]
            assert "Embargoed" in response.content.decode()


def test_revisions_record_compare_and_restore(client, people):
    editor = people["Editor"]
    client.force_login(editor)
    article = ArticleFactory(title="First title", draft=True)
    url = reverse("admin:articles_article_change", args=[article.pk])
    client.post(url, change_data(article, title="First title"))
    client.post(url, change_data(article, title="Second title"))
    revisions = list(ArticleRevision.objects.filter(article=article))
    assert [r.data["title"] for r in revisions] == ["Second title", "First title"]
    assert all(r.created_by == editor for r in revisions)
    newer, older = revisions
    page = client.get(
        reverse("admin:articles_article_revisions", args=[article.pk]),
        {"a": older.pk, "b": newer.pk},
    )
    html = page.content.decode()
    assert "<del" in html and "First title" in html and "Second title" in html
    client.post(reverse("admin:articles_article_restore", args=[article.pk, older.pk]))
    article.refresh_from_db()
    assert article.title == "First title"
    assert ArticleRevision.objects.filter(article=article).count() == 3


def test_journalist_cannot_restore_on_others_articles(client, people):
    article = ArticleFactory(draft=True, title="Original")
    revision = ArticleRevision.objects.create(
        article=article, data={"title": "Hacked"}, created_by=None
    )
    client.force_login(people["Journalist"])
    response = client.post(
        reverse("admin:articles_article_restore", args=[article.pk, revision.pk])
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Original"


def test_journalist_edits_only_own_profile(client, people):
    journalist = people["Journalist"]
    client.force_login(journalist)
    own = journalist.author_profile
    other = people["Editor"].author_profile
    data = {"display_name": "New name", "job_title": "", "bio": "New bio"}
    client.post(reverse("admin:articles_authorprofile_change", args=[own.pk]), data)
    own.refresh_from_db()
    assert own.bio == "New bio"
    response = client.post(
        reverse("admin:articles_authorprofile_change", args=[other.pk]), data
    )
    other.refresh_from_db()
    assert other.bio != "New bio"
    assert response.status_code in (302, 403, 404)


def test_changelist_queries_do_not_grow_per_row(
    client, people, django_assert_max_num_queries
):
    client.force_login(people["Editor"])
    authors = [AuthorProfileFactory() for _ in range(3)]
    for _ in range(30):
        ArticleFactory(authors=authors)
    with django_assert_max_num_queries(15):
        assert (
            client.get(reverse("admin:articles_article_changelist")).status_code == 200
        )


def test_a_unicode_slug_saves(client, people):
    """A Chinese slug typed or prepopulated was refused ("Enter a valid slug")."""
    client.force_login(people["Editor"])
    section = SectionFactory()
    response = client.post(
        reverse("admin:articles_article_add"),
        form_data(section, title="小米与徕卡合作", slug="小米与徕卡合作"),
    )
    assert response.status_code == 302
    assert Article.objects.filter(slug="小米与徕卡合作").exists()


def test_a_save_from_a_stale_form_is_refused_with_a_comparison(client, people):
    """The editor opened the form before the journalist saved a newer
    standfirst: the editor's save is refused, side by side; saving again
    after reading it keeps the editor's version on purpose."""
    from tests.factories import SectionFactory

    section = SectionFactory()
    article = ArticleFactory(
        draft=True, section=section, created_by=people["Journalist"],
        title="Chips", slug="chips", standfirst="First standfirst",
    )  # fmt: skip
    client.force_login(people["Editor"])
    url = reverse("admin:articles_article_change", args=[article.pk])
    page = client.get(url).content.decode()
    loaded = re.search(r'name="loaded_at" value="([^"]+)"', page)[1]
    # Meanwhile the journalist saves a newer standfirst.
    other = Client()
    other.force_login(people["Journalist"])
    data = change_data(article, standfirst="The journalist's newer standfirst")
    data["loaded_at"] = loaded
    assert other.post(url, data).status_code == 302
    # The editor's save, from the older form.
    mine = change_data(article, standfirst="The editor's standfirst")
    mine["loaded_at"] = loaded
    refused = client.post(url, mine)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "changed this article after you opened it" in html
    assert "The journalist&#x27;s newer standfirst" in html
    assert "The editor&#x27;s standfirst" in html
    article.refresh_from_db()
    assert article.standfirst == "The journalist's newer standfirst"
    # Saving again from the refused page keeps the editor's on purpose.
    again = re.search(r'name="loaded_at" value="([^"]+)"', html)[1]
    assert again != loaded
    mine["loaded_at"] = again
    assert client.post(url, mine).status_code == 302
    article.refresh_from_db()
    assert article.standfirst == "The editor's standfirst"


def test_a_word_diff_marks_what_changed_and_names_replace_ids(client, people):
    from articles.services import word_diff
    from tests.factories import SectionFactory

    assert word_diff(
        "The chip plant opens in May", "The new chip plant opens in June"
    ) == ("The <ins>new</ins> chip plant opens in <del>May</del> <ins>June</ins>")
    assert word_diff("a <b>", "a <c>") == "a <del>&lt;b&gt;</del> <ins>&lt;c&gt;</ins>"
    editor = people["Editor"]
    client.force_login(editor)
    hot, mobile = SectionFactory(name="Hot News"), SectionFactory(name="Mobile")
    article = ArticleFactory(draft=True, section=hot, body="<p>One two three.</p>")
    url = reverse("admin:articles_article_change", args=[article.pk])
    first = change_data(article, body="<p>One two three.</p>")
    assert client.post(url, first).status_code == 302
    data = change_data(article, body="<p>One two and three.</p>")
    data["section"] = mobile.pk
    assert client.post(url, data).status_code == 302
    newer, older = ArticleRevision.objects.filter(article=article)[:2]
    html = client.get(
        reverse("admin:articles_article_revisions", args=[article.pk]),
        {"a": older.pk, "b": newer.pk},
    ).content.decode()
    assert "One two <ins>and</ins> three." in html
    assert "<del>Hot News</del> → <ins>Mobile</ins>" in html
    assert "section_id" not in html and "<p>" not in html.split("word-diff")[1][:200]


def workflow_buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="_workflow" value="(\w+)"', html)


def test_workflow_buttons_per_role_and_what_each_does(client, people):
    article = ArticleFactory(draft=True, created_by=people["Journalist"])
    url = reverse("admin:articles_article_change", args=[article.pk])
    client.force_login(people["Journalist"])
    assert workflow_buttons(client.get(url).content.decode()) == ["draft", "review"]
    assert (
        client.post(url, {**change_data(article), "_workflow": "review"}).status_code
        == 302
    )
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    # A journalist cannot publish by sending the button's value anyway.
    refused = client.post(url, {**change_data(article), "_workflow": "publish"})
    assert refused.status_code == 200
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW

    client.force_login(people["Editor"])
    page = client.get(url).content.decode()
    assert workflow_buttons(page) == ["draft", "review", "schedule", "publish"]
    assert "times are in UTC" in page
    # Schedule needs a future time, said in the site's zone.
    no_time = client.post(url, {**change_data(article), "_workflow": "schedule"})
    assert "To schedule, set a future date and time (UTC)." in no_time.content.decode()
    later = timezone.localtime() + timedelta(days=1)
    data = {
        **change_data(article),
        "_workflow": "schedule",
        "published_at_0": later.strftime("%Y-%m-%d"),
        "published_at_1": later.strftime("%H:%M:%S"),
    }
    assert client.post(url, data).status_code == 302
    article.refresh_from_db()
    assert article.is_scheduled
    page = client.get(url).content.decode()
    assert f"Scheduled for {later:%Y-%m-%d %H:%M} (UTC)" in page
    assert workflow_buttons(page) == ["schedule", "publish", "unschedule"]
    client.post(
        url, {**change_data(article, status="published"), "_workflow": "publish"}
    )
    article.refresh_from_db()
    assert article.is_published
    client.post(
        url, {**change_data(article, status="published"), "_workflow": "unpublish"}
    )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_a_chosen_image_survives_another_fields_error(client, people, media_root):
    """A browser cannot refill a file input: the image of a save refused for
    another field is kept and used by the next save."""
    from django.core.files.storage import default_storage

    from tests.factories import SectionFactory

    client.force_login(people["Editor"])
    section = SectionFactory()
    data = form_data(section, slug="lab", featured_image=image_file("lab.jpg"))
    refused = client.post(reverse("admin:articles_article_add"), data)
    assert refused.status_code == 200  # no alt text
    html = refused.content.decode()
    assert "The image you chose (lab.jpg) is kept" in html
    token = re.search(r'name="pending_image" value="([^"]+)"', html)[1]
    pending = default_storage.listdir("pending")[1]
    assert len(pending) == 1
    again = form_data(
        section, slug="lab", featured_image_alt="The lab", pending_image=token
    )
    assert client.post(reverse("admin:articles_article_add"), again).status_code == 302
    article = Article.objects.get(slug="lab")
    assert article.featured_image.name.startswith("articles/")
    assert article.featured_image_renditions["webp"]
    assert default_storage.listdir("pending")[1] == []
    # A forged token names nothing.
    forged = form_data(section, slug="lab2", featured_image_alt="x", pending_image="x")
    client.post(reverse("admin:articles_article_add"), forged)
    assert not Article.objects.get(slug="lab2").featured_image


def test_an_upload_while_the_object_store_is_down_keeps_the_rest(
    client, people, storage_down
):
    """The uploads' bucket does not answer: the editor gets a clear error at
    the image field, every other field as typed, and nothing is saved."""
    from tests.factories import SectionFactory

    client.force_login(people["Editor"])
    section = SectionFactory()
    data = form_data(
        section,
        title="Typed before the outage",
        slug="outage",
        featured_image=image_file("lab.jpg"),
        featured_image_alt="The lab",
    )
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The media storage does not answer just now" in html
    assert 'value="Typed before the outage"' in html
    assert not Article.objects.filter(slug="outage").exists()


def test_one_row_of_save_buttons_with_the_workflow_first(client, people):
    """#28 item 6: the workflow's buttons and the admin's Save buttons share
    one row (there were two)."""
    article = ArticleFactory(draft=True, created_by=people["Editor"])
    client.force_login(people["Editor"])
    url = reverse("admin:articles_article_change", args=[article.pk])
    html = client.get(url).content.decode()
    assert html.count('class="submit-row"') == 1
    row = html[html.index('class="submit-row"') :]
    row = row[: row.index("</div>")]
    assert workflow_buttons(row) == ["draft", "review", "schedule", "publish"]
    assert row.index('name="_workflow"') < row.index('name="_save"')
    assert 'name="_continue"' in row


def test_the_admin_search_finds_a_word_of_the_body_within_what_one_may_open(
    client, people
):
    """#28 item 6: "Senado" found no story; the body is searched with the
    site's full-text search, and a journalist still finds only stories they
    may open."""
    section = SectionFactory()
    mine = ArticleFactory(
        draft=True,
        section=section,
        title="Votação adiada",
        body="<p>O Senado aprovou ontem a nova lei dos chips.</p>",
        created_by=people["Journalist"],
    )
    theirs = ArticleFactory(
        draft=True,
        section=section,
        title="Outra matéria",
        body="<p>O Senado votará amanhã.</p>",
        created_by=people["Editor"],
    )
    url = reverse("admin:articles_article_changelist") + "?q=Senado"
    client.force_login(people["Editor"])
    found = client.get(url).context["cl"].result_list
    assert {a.pk for a in found} == {mine.pk, theirs.pk}
    client.force_login(people["Journalist"])
    found = client.get(url).context["cl"].result_list
    assert [a.pk for a in found] == [mine.pk]
    assert client.get(url.replace("Senado", "Votação")).context["cl"].result_count == 1


def test_the_storys_text_fields_take_the_direction_of_their_text(client, people):
    """#28 item 5: an Arabic title was edited left to right."""
    client.force_login(people["Editor"])
    html = client.get(reverse("admin:articles_article_add")).content.decode()
    for name in ("title", "standfirst", "featured_image_alt", "featured_image_caption"):
        tag = re.search(rf'<(input|textarea)[^>]*name="{name}"[^>]*>', html)[0]
        assert 'dir="auto"' in tag, name
    assert "admin/css/articles" in html  # the editor's paragraphs (CSS)


def test_a_draft_saves_without_a_section_but_is_not_published_without_one(
    client, people
):
    """#28 item 6: a section was required to save a draft. It is required to
    publish (the form, the service and the database each say so)."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    from articles import services

    client.force_login(people["Editor"])
    add = reverse("admin:articles_article_add")
    data = form_data(SectionFactory(), title="No desk yet", slug="no-desk-yet")
    del data["section"]  # none chosen
    saved = client.post(add, {**data, "_workflow": "draft"})
    assert saved.status_code == 302
    draft = Article.objects.get(slug="no-desk-yet")
    assert draft.section is None and draft.status == Article.Status.DRAFT
    url = reverse("admin:articles_article_change", args=[draft.pk])
    refused = client.post(url, {**change_data(draft), "_workflow": "publish"})
    assert refused.status_code == 200
    assert "Choose a section to publish" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT
    # The preview of a draft with no section works.
    assert client.get(reverse("articles:preview", args=[draft.pk])).status_code == 200
    with pytest.raises(ValidationError):
        services.article_publish(article=draft, user=people["Editor"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=draft.pk).update(status=Article.Status.PUBLISHED)


PORTUGUESE = (
    "<p>O Senado aprovou ontem a nova lei dos chips, que deve atrair novas "
    "fábricas ao país nos próximos anos.</p>"
)


def test_a_story_in_another_language_than_chosen_is_asked_about(client, people):
    """#28 item 5: a Portuguese story went out as lang="en" (the default).
    The text is read (py3langid, its model in the package) and the form asks;
    choosing the language or ticking the box saves it."""
    client.force_login(people["Editor"])
    add = reverse("admin:articles_article_add")
    data = form_data(
        SectionFactory(),
        title="Senado aprova a lei dos chips",
        slug="lei-dos-chips",
        body=PORTUGUESE,
        language="en",
    )
    asked = client.post(add, {**data, "_workflow": "draft"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "This story reads like Portuguese, not English." in page
    assert 'name="language_confirmed"' in page  # the answer's box
    assert not Article.objects.exists()
    kept = client.post(add, {**data, "language_confirmed": "on", "_workflow": "draft"})
    assert kept.status_code == 302
    assert Article.objects.get().language == "en"
    Article.objects.all().delete()
    chosen = client.post(add, {**data, "language": "pt-br", "_workflow": "draft"})
    assert chosen.status_code == 302
    assert Article.objects.get().language == "pt-br"


def test_english_text_or_a_short_one_is_not_asked_about(client, people):
    client.force_login(people["Editor"])
    add = reverse("admin:articles_article_add")
    english = form_data(
        SectionFactory(),
        title="Xiaomi and Leica open a joint optical institute",
        slug="institute",
        body="<p>Three Beijing laboratories and 200 experts will work on cameras.</p>",
    )
    assert client.post(add, {**english, "_workflow": "draft"}).status_code == 302
    short = form_data(
        SectionFactory(), title="Lei dos chips", slug="lei", body="<p>Aprovada.</p>"
    )
    assert client.post(add, {**short, "_workflow": "draft"}).status_code == 302
