"""A story whose image file is gone (media on another server, a lost object,
an import that stored no size) still shows: loading a row never reads the
image file."""

import pytest
from django.core.files.storage import default_storage

from articles.models import Article
from tests.factories import ArticleFactory, image_file

pytestmark = pytest.mark.django_db


def test_a_missing_image_file_does_not_break_any_page(client, media_root):
    article = ArticleFactory(featured_image=image_file(), title="Lost photo")
    assert article.featured_image_width == 1600  # measured on assignment
    default_storage.delete(article.featured_image.name)
    Article.objects.filter(pk=article.pk).update(
        featured_image_width=None, featured_image_height=None
    )
    for url in [
        "/",
        article.get_absolute_url(),
        article.section.get_absolute_url(),
        "/search/?q=lost",
        "/feed/",
    ]:
        assert client.get(url).status_code == 200, url
    loaded = Article.objects.get(pk=article.pk)
    assert loaded.featured_image_width is None  # not measured from the file
