"""Every role × every admin page and action, and every preview URL."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from articles.models import Article
from comments.models import BannedCommenter, Comment, ModerationWord
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    CommentFactory,
    SectionFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "Journalist", "Editor", "Moderator", "admin"]

# model label → roles that may open its list, and roles that may open "add".
PAGES = {
    "articles.article": (
        {"Journalist", "Editor", "admin"},
        {"Journalist", "Editor", "admin"},
    ),
    "articles.section": ({"Journalist", "Editor", "admin"}, {"Editor", "admin"}),
    # Journalists create tags, as WordPress authors may (#15), not sections.
    "articles.tag": (
        {"Journalist", "Editor", "admin"},
        {"Journalist", "Editor", "admin"},
    ),
    "articles.authorprofile": ({"Journalist", "Editor", "admin"}, {"Editor", "admin"}),
    "comments.comment": ({"Moderator", "admin"}, set()),
    "comments.bannedcommenter": ({"Moderator", "admin"}, {"Moderator", "admin"}),
    "comments.moderationword": ({"Moderator", "admin"}, {"Moderator", "admin"}),
    "wpimport.importrun": ({"admin"}, {"admin"}),
    "auth.user": ({"Editor", "admin"}, {"admin"}),
    "auth.group": ({"admin"}, {"admin"}),
}


@pytest.fixture
def people(roles):
    users = {
        role: UserFactory(username=role.lower(), groups=role) for role in ROLES[2:]
    }
    users["reader"] = UserFactory(username="reader")
    for user in users.values():
        AuthorProfileFactory(user=user)
    return users


def client_for(people, role):
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    return client


def world(people):
    section = SectionFactory()
    objects = {
        "articles.article": ArticleFactory(
            section=section, created_by=people["Editor"]
        ),
        "articles.section": section,
        "articles.tag": TagFactory(),
        "articles.authorprofile": people["Editor"].author_profile,
        "comments.comment": CommentFactory(pending=True),
        "comments.bannedcommenter": BannedCommenter.objects.create(
            email="b@example.com"
        ),
        "comments.moderationword": ModerationWord.objects.create(
            word="casino", kind="block"
        ),
        "auth.user": people["reader"],
    }
    return objects


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages(people, role):
    client = client_for(people, role)
    objects = world(people)
    for label, (can_list, can_add) in PAGES.items():
        app, model = label.split(".")
        listing = client.get(reverse(f"admin:{app}_{model}_changelist"), follow=False)
        if role in can_list:
            assert listing.status_code in (200, 302), (label, role)
            if listing.status_code == 302:  # the queue's default filter
                assert "status__exact=pending" in listing["Location"]
        elif role in ("anonymous", "reader"):
            assert listing.status_code == 302 and "/admin/login/" in listing["Location"]
        else:
            assert listing.status_code == 403, (label, role, listing.status_code)
        add = client.get(reverse(f"admin:{app}_{model}_add"))
        expected_add = (
            200
            if role in can_add
            else (302 if role in ("anonymous", "reader") else 403)
        )
        assert add.status_code == expected_add, (label, role, add.status_code)
        obj = objects.get(label)
        if obj is not None:
            change = client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))
            own_only = label == "articles.authorprofile" and role == "Journalist"
            if role in can_list and not own_only:
                assert change.status_code == 200, (label, role)
            else:  # 302: not found for this user, or the login page
                assert change.status_code in (302, 403), (label, role)
    if role == "Journalist":
        own = people["Journalist"].author_profile
        url = reverse("admin:articles_authorprofile_change", args=[own.pk])
        assert client.get(url).status_code == 200


def test_admin_sees_every_registered_model(people):
    client = client_for(people, "admin")
    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url, follow=True).status_code == 200, url


ACTIONS = {
    "publish_selected": ("articles", {"Editor", "admin"}),
    "unpublish_selected": ("articles", {"Editor", "admin"}),
    "approve_selected": ("comments", {"Moderator", "admin"}),
    "spam_selected": ("comments", {"Moderator", "admin"}),
    "reject_selected": ("comments", {"Moderator", "admin"}),
    "ban_selected": ("comments", {"Moderator", "admin"}),
    "export_selected": ("comments", {"Moderator", "admin"}),
    "erase_selected": ("comments", {"Moderator", "admin"}),
}


@pytest.mark.parametrize("role", ROLES)
def test_admin_actions(people, role):
    client = client_for(people, role)
    draft = ArticleFactory(in_review=True, created_by=people.get(role))
    comment = CommentFactory(pending=True)
    article_list = client.get(reverse("admin:articles_article_changelist"))
    comment_list = client.get(
        reverse("admin:comments_comment_changelist") + "?status__exact=pending"
    )
    pages = {"articles": article_list, "comments": comment_list}
    for action, (app, allowed) in ACTIONS.items():
        page = pages[app]
        shown = page.status_code == 200 and f'value="{action}"' in page.content.decode()
        assert shown is (role in allowed), (action, role)
    # Running them: only allowed roles change anything.
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert (draft.status == Article.Status.PUBLISHED) is (role in {"Editor", "admin"})
    client.post(
        reverse("admin:comments_comment_changelist") + "?status__exact=pending",
        {"action": "approve_selected", "_selected_action": [comment.pk]},
    )
    client.post(reverse("admin:comments_comment_decide", args=[comment.pk, "approve"]))
    comment.refresh_from_db()
    assert (comment.status == Comment.Status.APPROVED) is (
        role in {"Moderator", "admin"}
    )


@pytest.mark.parametrize("role", [*ROLES, "Journalist-own"])
def test_every_preview_url(people, role):
    owner = people["Journalist"]
    articles = {
        "draft": ArticleFactory(draft=True, created_by=owner),
        "in_review": ArticleFactory(in_review=True, created_by=owner),
        "scheduled": ArticleFactory(scheduled=True, created_by=owner),
        "published": ArticleFactory(created_by=owner),
    }
    client = client_for(people, "Journalist" if role == "Journalist-own" else role)
    if role == "Journalist":
        client.force_login(
            UserFactory(username="other-journalist", groups="Journalist")
        )
    for state, article in articles.items():
        status = client.get(reverse("articles:preview", args=[article.pk])).status_code
        if role in {"Editor", "admin"}:
            expected = 200
        elif role == "Journalist-own":
            expected = 200 if state in {"draft", "in_review"} else 404
        else:
            expected = 404
        assert status == expected, (role, state, status)
