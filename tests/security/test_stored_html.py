"""The sanitizer keeps only the editor's own classes; every stored address
is a web address (http/https), from the admin and from an import."""

import re
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from articles.admin import ArticleAdminForm
from articles.html import sanitize_html
from articles.models import Article
from tests.factories import ArticleFactory, AuthorProfileFactory, SectionFactory
from wpimport.services import wordpress_import

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress"
COVER = '<figure class="position-fixed top-0 start-0 w-100 h-100 bg-white">'


def test_a_figure_keeps_only_the_editors_own_class():
    body = (
        f'{COVER}<img src="/media/a.jpg" alt="A" class="vh-100">'
        '<figcaption class="display-1">Taken over</figcaption></figure>'
        '<p class="fixed-bottom">Text</p>'
    )
    assert sanitize_html(body) == (
        '<figure class="figure"><img src="/media/a.jpg" alt="A">'
        "<figcaption>Taken over</figcaption></figure><p>Text</p>"
    )


def test_the_editor_writes_the_class_the_sanitizer_keeps():
    """The sanitizer's one class is the editor's Figure node's default."""
    import django_prose_editor

    script = (
        Path(django_prose_editor.__file__).parent
        / "static/django_prose_editor/editor.js"
    ).read_text()
    defaults = re.findall(r'name:"figure".{0,400}?class:\{default:"([^"]*)"\}', script)
    assert defaults == ["figure"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(8)",
        "JaVaScRiPt:alert(8)",
        "data:text/html,<script>1</script>",
        "ftp://files.example/x",
        "vbscript:msgbox(1)",
    ],
)
def test_a_stored_address_is_a_web_address_or_nothing(url):
    article = ArticleFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(source_url=url)
    author = AuthorProfileFactory()
    for field in ("website", "twitter", "linkedin"):
        with pytest.raises(IntegrityError), transaction.atomic():
            type(author).objects.filter(pk=author.pk).update(**{field: url})


def test_the_article_form_refuses_a_script_address(roles):
    form = ArticleAdminForm(
        data={"source_url": "javascript:alert(8)"}, instance=Article()
    )
    form.is_valid()
    assert form.errors["source_url"]


def test_an_import_drops_script_addresses_and_page_covering_classes(client, media_root):
    result = wordpress_import(path=FIXTURES / "export-hostile.xml")
    taken = Article.objects.get(slug="pagina-tomada")
    via = Article.objects.get(slug="fonte-via")
    assert (taken.source_name, taken.source_url) == ("Tec Mundo", "")
    assert (via.source_name, via.source_url) == ("Agência", "")
    warnings = " ".join(w["message"] for w in result.warnings)
    assert "javascript:alert(8)" in warnings and "not a web address" in warnings
    assert "position-fixed" not in taken.body and "fixed-bottom" not in taken.body
    page = client.get(taken.get_absolute_url()).content.decode()
    assert "javascript:" not in page
    assert "position-fixed top-0" not in page
    assert 'href="https://hostile.example/ok"' in page


PREVIOUS = [("articles", "0020_search_vector_inline")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_cleans_what_was_stored_before():
    executor = MigrationExecutor(connection)
    executor.migrate(PREVIOUS)
    old = executor.loader.project_state(PREVIOUS).apps
    section = old.get_model("articles", "Section").objects.get(pk=SectionFactory().pk)
    old_article = old.get_model("articles", "Article").objects.create(
        title="Old",
        slug="old",
        section=section,
        status="published",
        source_url="javascript:alert(8)",
        body=f'{COVER}<img src="/media/a.jpg" alt="A"></figure><p>Kept</p>',
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    article = Article.objects.get(pk=old_article.pk)
    assert article.source_url == ""
    assert article.body == (
        '<figure class="figure"><img src="/media/a.jpg" alt="A"></figure><p>Kept</p>'
    )
