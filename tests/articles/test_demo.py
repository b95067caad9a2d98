"""Demo content goes only where asked for, and only into an empty database."""

import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles.models import Article
from comments.models import Comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def load_demo():
    call_command("load_demo", "--password", "demo-pass-123", verbosity=0)
    call_command("load_demo_comments", verbosity=0)


def test_demo_loads_into_an_empty_database(roles):
    load_demo()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo-pass-123")
    assert Article.objects.published().count() >= 7
    assert Comment.objects.approved().exists()


def test_second_run_changes_nothing(roles):
    load_demo()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-the-owner")
    admin.save()
    counts = (Article.objects.count(), Comment.objects.count())
    load_demo()
    admin.refresh_from_db()
    assert admin.check_password("changed-by-the-owner")
    assert (Article.objects.count(), Comment.objects.count()) == counts


def test_existing_account_is_never_touched(roles):
    owner = UserFactory(username="admin", is_superuser=False)
    owner.set_password("the-owners-own")
    owner.save()
    load_demo()
    owner.refresh_from_db()
    assert owner.check_password("the-owners-own") and not owner.is_superuser
    assert not Article.objects.exists()
    assert get_user_model().objects.count() == 1


def test_a_site_with_articles_gets_no_demo(roles):
    ArticleFactory()
    get_user_model().objects.all().delete()
    load_demo()
    assert not get_user_model().objects.filter(username="admin").exists()
    assert Article.objects.count() == 1 and not Comment.objects.exists()


def test_make_serve_loads_no_demo_content():
    """`make serve` may point at a real database (DATABASE_URL)."""
    plan = subprocess.run(
        ["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    assert "manage.py migrate" in plan  # the dry run did list the recipe
    assert "load_demo" not in plan
