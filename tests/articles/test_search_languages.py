"""Search in each story's language: its stemming, words inside Chinese or
Japanese running text, typographic punctuation, and no match by another
language's reading of the query."""

import re

import pytest
from django.db import connection

from articles.models import Article, make_slug, rank_query
from tests.articles.test_admin import form_data
from tests.factories import ArticleFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db


def found(client, query: str) -> list[str]:
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return re.findall(
        r'<h2 class="h5[^"]*"[^>]*><a [^>]*>([^<]+)</a>', response.content.decode()
    )


@pytest.fixture
def stories():
    return {
        "pt": ArticleFactory(
            title="Corrida espacial chega às operadoras",
            body="<p>As operadoras brasileiras anunciaram novas ações.</p>",
            language="pt-br",
        ),
        "es": ArticleFactory(
            title="Las baterías del futuro",
            body="<p>Los fabricantes prometen baterías más duraderas.</p>",
            language="es",
        ),
        "zh": ArticleFactory(
            title="小米与徕卡合作成立光学研究院",
            body="<p>双方表示，人工智能在影像处理中很重要。</p>",
            language="zh-hans",
        ),
        "ja": ArticleFactory(
            title="東京で新しいスマートフォンが発表された",
            body="<p>日本語のテキストです。</p>",
            language="ja",
        ),
        "en": ArticleFactory(
            title="Mark leaves the board",
            body="<p>“Hello,” she said — it’s the end of an era…</p>",
            language="en",
        ),
    }


def titles(*keys, stories):
    return [stories[k].title for k in keys]


def test_a_story_is_stemmed_in_its_own_language(client, stories):
    # Portuguese stemming: "corridas" and "operadora" meet "Corrida" and
    # "operadoras".
    assert titles("pt", stories=stories) == found(client, "corridas")
    assert titles("pt", stories=stories) == found(client, "operadora")
    assert titles("es", stories=stories) == found(client, "batería")


def test_words_inside_chinese_and_japanese_running_text(client, stories):
    assert found(client, "人工智能") == titles("zh", stories=stories)
    assert found(client, "徕卡") == titles("zh", stories=stories)
    assert found(client, "光学") == titles("zh", stories=stories)
    assert found(client, "スマートフォン") == titles("ja", stories=stories)
    assert found(client, "東京") == titles("ja", stories=stories)
    assert found(client, "人工智能 -影像") == []  # the web-search syntax still holds


def test_typographic_punctuation_does_not_glue_to_words(client, stories):
    assert found(client, "hello") == titles("en", stories=stories)
    assert found(client, "era") == titles("en", stories=stories)
    assert found(client, "“end of an era”") == titles("en", stories=stories)


def test_another_languages_reading_does_not_match(client, stories):
    # Danish stems "market" to "mark": an English story about Mark is not
    # a match for an English query about markets.
    assert found(client, "market") == []
    assert found(client, "mark") == titles("en", stories=stories)


def test_the_vector_and_the_query_cut_text_the_same_way():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT newsroom_search_text(%s), newsroom_search_config(%s)::text,"
            " newsroom_search_config(%s)::text",
            ["人工智能，很重要。ok", "pt-br", "zh-hans"],
        )
        text, portuguese, chinese = cursor.fetchone()
    assert text.split() == ["人工", "工智", "智能", "很重", "重要", "ok"]
    assert (portuguese, chinese) == ("portuguese", "simple")


@pytest.mark.parametrize(
    ("title", "language", "query"),
    [
        ("ارتفاع أسعار الهواتف في العالم العربي", "ar", "الهواتف"),
        ("小米与徕卡合作成立光学研究院", "zh-hans", "研究院"),
    ],
)
def test_a_story_made_in_the_admin_is_found(client, title, language, query):
    editor = UserFactory(username="editor", groups="Editor")
    client.force_login(editor)
    data = form_data(
        SectionFactory(),
        title=title,
        slug=make_slug(title, 100),  # as the admin's script fills it
        language=language,
        body=f"<p>{title}</p>",
        status=Article.Status.PUBLISHED,
        published_at_0="2026-01-05",
        published_at_1="10:00:00",
    )
    response = client.post("/admin/articles/article/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.language == language
    client.logout()
    assert found(client, query) == [title]


def test_a_common_word_ranks_only_the_newest_matches(client, monkeypatch):
    """The cost of a search does not grow with its matches: only the newest
    SEARCH_CANDIDATES matching stories are ranked, and the page says so."""
    import articles.models
    import articles.views

    monkeypatch.setattr(articles.models.article, "SEARCH_CANDIDATES", 3)
    monkeypatch.setattr(articles.views, "SEARCH_CANDIDATES", 3)
    oldest = ArticleFactory(title="Market market market", body="<p>market</p>")
    newer = [ArticleFactory(title=f"Story {n}", body="<p>market</p>") for n in range(4)]
    titles = found(client, "market")
    assert oldest.title not in titles  # the best match, but not among the newest
    assert sorted(titles) == sorted(a.title for a in newer[1:])
    html = client.get("/search/", {"q": "market"}).content.decode()
    assert "Over 3 stories match “market”: the newest 3 are ranked here." in html


@pytest.mark.parametrize(
    ("reading", "ranked_by"),
    [
        # Several languages' readings: every word, OR-ed, marks left out.
        ("'mar' & ( '_lang_hungarian' | '_lang_basque' ) | 'market' & '_lang_english'",
         "'mar' | 'market'"),
        # Negated words and phrases count as words; each word once.
        ("'mark' <-> 'growth' & !'polic' & '_lang_danish' | 'market' <-> 'growth' & "
         "!'police' & '_lang_english'",
         "'mark' | 'growth' | 'polic' | 'market' | 'police'"),
        # Quotes, backslashes and a "|" inside a word.
        ("'it''s' & '_lang_english' | 'a\\\\b' & 'x|y' & '_lang_simple'",
         "'it''s' | 'a\\\\b' | 'x|y'"),
        # AND or a phrase on top is scored by proximity: kept whole.
        ("'quantum' & 'leica' & ( '_lang_a' | '_lang_b' )",
         "'quantum' & 'leica' & ( '_lang_a' | '_lang_b' )"),
        ("'2026'", "'2026'"),
        ("'new' <-> 'york'", "'new' <-> 'york'"),
    ],
)  # fmt: skip
def test_what_a_reading_is_ranked_by(reading, ranked_by):
    assert rank_query(reading) == ranked_by


def test_results_are_in_the_order_the_whole_reading_ranks_them(client):
    """Ranking by the words alone puts stories in the order ts_rank gives
    with the whole reading (language marks included)."""
    bodies = [
        ("en", "Market", "<p>market market markets marketing</p>"),
        ("en", "Prices", "<p>the market for phones</p>"),
        ("pt-br", "Mercado", "<p>o market de telefones, market</p>"),
        ("es", "Bolsa", "<p>el market y la bolsa market market</p>"),
        ("de", "Markt", "<p>Der Market. Ein Market-Bericht.</p>"),
        ("en", "Growth", "<p>Market growth: markets grow as market share grows.</p>"),
        ("fr", "Marché", "<p>le market</p>"),
    ]
    for language, title, body in bodies:
        ArticleFactory(title=title, body=body, language=language)
    for query in ["market", "market growth", "market -phones", '"market share"']:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT title FROM articles_article, newsroom_search_query(%s) q"
                " WHERE search_vector @@ q"
                " ORDER BY ts_rank(search_vector, q) DESC, published_at DESC, id DESC",
                [query],
            )
            expected = [row[0] for row in cursor.fetchall()]
        assert expected, query
        assert found(client, query) == expected, query


def statement_timeout() -> str:
    """The time limit on the test's database connection."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)  # autocommit, as a request runs
def test_a_search_past_its_time_limit_asks_for_other_words(
    client, settings, monkeypatch
):
    """A search that runs too long in PostgreSQL (a phrase of common words
    that is itself rare makes it check every story) is stopped at
    NEWSROOM_SEARCH_TIMEOUT_MS: the reader gets the search page with a way
    out, not an error; the limit is the search's alone."""
    from articles import models

    ArticleFactory(title="Market report", body="<p>market market</p>")
    settings.NEWSROOM_SEARCH_TIMEOUT_MS = 50
    # Each reading waits 0.3 s in PostgreSQL, as a slow scan would.
    slow = "(SELECT %(expressions)s::tsquery FROM pg_sleep(0.3))"
    monkeypatch.setattr(models.ReadQuery, "template", slow)
    response = client.get("/search/", {"q": "market"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This search took too long. Try fewer words" in html
    assert 'value="market"' in html  # what was typed is kept
    monkeypatch.undo()

    assert statement_timeout() == "0"
    assert found(client, "market") == ["Market report"]
    assert (
        statement_timeout() == "0"
    )  # not left on the connection after a search either


@pytest.mark.django_db  # inside the test's transaction: the search's is a savepoint
def test_a_search_in_a_callers_transaction_leaves_no_limit_behind():
    """The search's time limit is set for the current transaction; in a
    caller's transaction (a command's, a test's) it would outlast the search
    and cancel the caller's own long statements."""
    ArticleFactory(title="Market report", body="<p>market market</p>")

    for query in ["market", "the"]:  # words, and stop words only
        Article.objects.published().search_ranking(query)
        assert statement_timeout() == "0", query
