import re
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article, AuthorProfile, Section, Tag
from comments.models import Comment
from wpimport.content import comment_text
from wpimport.models import ImportedObject, LegacyRedirect
from wpimport.services import wordpress_import

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress"
EXPORT = FIXTURES / "export-small.xml"
UPLOADS = FIXTURES / "uploads"
SEED_LINK = "/2024/02/20/xiaomi-and-leica-open-a-joint-optical-institute/"


@pytest.fixture
def imported(media_root):
    return wordpress_import(path=EXPORT, media_dir=UPLOADS)


def test_counts_match_the_fixture_readme(imported):
    assert imported.counts["articles"]["created"] == 20
    assert Article.objects.count() == 20
    by_status = Counter(Article.objects.values_list("status", flat=True))
    assert by_status == {"published": 17, "draft": 2, "in_review": 1}
    assert Article.objects.published().count() == 16
    scheduled = Article.objects.get(title__startswith="Long-term review")
    assert scheduled.is_scheduled
    assert scheduled.published_at.isoformat() == "2030-06-03T12:00:00+00:00"
    assert imported.counts["page"]["skipped"] == 2
    assert imported.counts["pingbacks"]["skipped"] == 1
    assert Comment.objects.count() == 59
    assert Counter(Comment.objects.values_list("status", flat=True)) == {
        "approved": 48,
        "pending": 5,
        "spam": 3,
        "rejected": 3,
    }
    assert AuthorProfile.objects.count() == 3
    assert Section.objects.count() == 4
    assert Tag.objects.count() == 8
    warnings = " ".join(w["message"] for w in imported.warnings)
    assert "private post imported as a draft" in warnings
    assert "page items are not imported" in warnings


def test_authors_have_no_usable_password_and_display_names(imported):
    priya = AuthorProfile.objects.get(user__username="priya.n")
    assert priya.display_name == "Priya N."
    assert (priya.user.first_name, priya.user.last_name) == ("Priya", "Natarajan")
    assert not priya.user.has_usable_password()


def test_terms_are_unescaped_and_first_category_is_the_section(imported):
    assert Section.objects.filter(name="Science & Space", slug="science-space").exists()
    assert Tag.objects.get(slug="ai").name == "Artificial Intelligence"
    galaxy = Article.objects.get(title__startswith="Galaxy S24")
    assert galaxy.section.slug == "mobile"
    mobile = ImportedObject.objects.get(kind="category", wp_id="mobile")
    assert mobile.extra == {"parent": "technology"}


def test_seed_story(client, imported):
    article = Article.objects.get(
        title="Xiaomi and Leica open a joint optical institute"
    )
    assert article.published_at == timezone.datetime(
        2024, 2, 20, 13, 15, tzinfo=timezone.UTC
    )
    assert (article.source_name, article.source_url) == (
        "Tec Mundo",
        "https://www.tecmundo.com.br/",
    )
    assert (
        "<h2>Leica and Xiaomi already have long-standing partnerships</h2>"
        in article.body
    )
    assert article.body.count("<p>") >= 8
    assert article.featured_image.name
    assert article.featured_image_alt
    assert article.featured_image_renditions["webp"]
    assert [b.author.display_name for b in article.bylines.all()] == ["Marina Costa"]
    assert article.tags.count() == 5
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'Source: <a href="https://www.tecmundo.com.br/"' in html
    assert "14 comments" in html
    assert "Previous article" in html and "New planet detected" in html
    # WordPress's own modified time, not the time of the import:
    assert 'Updated <time datetime="2024-02-20T19:40:00+00:00">' in html
    assert article.updated_at.year == 2024
    assert "Jim Ryan reveals" in html
    # Threads: Rafael > Marina > Rafael nest three levels.
    rafael = Comment.objects.get(body__startswith="Leica colour science")
    marina = rafael.replies.get()
    assert (marina.name, marina.depth) == ("Marina Costa", 1)
    assert marina.replies.get().depth == 2
    assert html.index(rafael.body[:30]) < html.index(marina.body[:30])
    assert 'class="list-unstyled ms-4 ms-md-5"' in html
    assert Comment.objects.get(name="Hannah Weiss", parent=None).ip == (
        "2001:db8:85a3::8a2e:370:7334"
    )


def test_comment_html_becomes_text_with_links(imported):
    paulo = Comment.objects.get(name="Paulo Mendes")
    assert "<a" not in paulo.body
    assert "(https://leica-camera.com/en-int)" in paulo.body


def test_classic_and_block_content(imported):
    caption_post = Article.objects.get(title__startswith="How a space telescope")
    assert '<figure class="figure">' in caption_post.body
    assert "<figcaption>" in caption_post.body
    assert "[caption" not in caption_post.body
    for article in Article.objects.all():
        assert "<!-- wp:" not in article.body
        assert "wp:paragraph" not in article.body
    six = Article.objects.get(title__startswith="PlayStation announces job cuts")
    assert "<br>" in six.body
    estadao = Article.objects.get(source_name="Estadão")
    assert estadao.title.startswith("How a space telescope")


def test_old_links_redirect_permanently(client, imported):
    assert LegacyRedirect.objects.filter(old_path__startswith="/?p=").count() == 20
    for redirect in LegacyRedirect.objects.select_related("article"):
        article = redirect.article
        response = client.get(redirect.old_path)
        target = article.get_absolute_url()
        if not article.is_published:
            # Unpublished stories are not revealed by their old links.
            assert response.status_code in (200, 404), redirect.old_path
            assert response.status_code == 404 or redirect.old_path.startswith("/?p=")
        elif redirect.old_path == target:
            assert response.status_code == 200
        else:
            assert response.status_code == 301, redirect.old_path
            assert response["Location"] == target
        if article.is_published:
            final = client.get(redirect.old_path, follow=True)
            assert final.status_code == 200
            assert final.request["PATH_INFO"] == target
    # Post 9: the local date in its old link differs from its UTC date.
    old = "/2024/02/09/mixed-reality-headsets-reach-stores-what-buyers-should-know/"
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"].startswith("/2024/02/10/")
    assert client.get("/?p=16")["Location"].endswith(
        "/2024/02/20/xiaomi-and-leica-open-a-joint-optical-institute/"
    )
    assert client.get(SEED_LINK).status_code == 200


def test_second_import_changes_nothing(imported, media_root):
    again = wordpress_import(path=EXPORT, media_dir=UPLOADS)
    assert again.total("created") == 0
    assert again.total("updated") == 0
    assert again.counts["articles"]["unchanged"] == 20
    assert again.counts["comments"]["unchanged"] == 59
    assert Article.objects.count() == 20 and Comment.objects.count() == 59


def test_newer_export_updates_changed_items(imported, media_root, tmp_path):
    text = EXPORT.read_text(encoding="utf-8")
    newer = tmp_path / "newer.xml"
    newer.write_text(
        text.replace(
            "Xiaomi and Leica open a joint optical institute]]></title>",
            "Xiaomi and Leica open a joint optics institute]]></title>",
        ).replace("Great, looking forward to the update.", "Great, thanks!"),
        encoding="utf-8",
    )
    report = wordpress_import(path=newer, media_dir=UPLOADS)
    assert report.counts["articles"] == {"updated": 1, "unchanged": 19}
    assert report.counts["comments"]["updated"] == 1
    assert Article.objects.filter(title__contains="optics institute").count() == 1
    assert Comment.objects.filter(body="Great, thanks!").count() == 1
    assert Article.objects.count() == 20


def test_dry_run_saves_nothing(media_root):
    report = wordpress_import(path=EXPORT, media_dir=UPLOADS, dry_run=True)
    assert report.counts["articles"]["created"] == 20
    assert Article.objects.count() == 0 and Comment.objects.count() == 0


def test_missing_media_is_a_warning_not_a_failure(media_root, tmp_path):
    report = wordpress_import(path=EXPORT, media_dir=tmp_path)
    assert Article.objects.count() == 20
    assert (
        sum("not found under --media-dir" in w["message"] for w in report.warnings) == 3
    )


def test_command_reports_and_rejects_non_wxr(tmp_path, media_root, capsys):
    call_command("import_wordpress", str(EXPORT), "--media-dir", str(UPLOADS))
    out = capsys.readouterr().out
    assert "articles     20 created" in out
    assert "comments     59 created" in out
    rss = tmp_path / "feed.xml"
    rss.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        "<item><title>a</title></item></channel></rss>"
    )
    with pytest.raises(CommandError, match="not a WordPress export"):
        call_command("import_wordpress", str(rss))
    html = tmp_path / "page.html"
    html.write_text("<html><body>hi</body></html>")
    with pytest.raises(CommandError, match="not a WordPress export"):
        call_command("import_wordpress", str(html))


def test_entity_expansion_is_refused(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss>&b;</rss>'
    )
    with pytest.raises(CommandError, match="not a WordPress export"):
        call_command("import_wordpress", str(bomb))


def test_wxr_1_1_namespaces_are_read(tmp_path, media_root):
    older = tmp_path / "wxr11.xml"
    older.write_text(
        EXPORT.read_text(encoding="utf-8")
        .replace("http://wordpress.org/export/1.2/", "http://wordpress.org/export/1.1/")
        .replace("<wp:wxr_version>1.2<", "<wp:wxr_version>1.1<"),
        encoding="utf-8",
    )
    report = wordpress_import(path=older, media_dir=UPLOADS)
    assert report.counts["articles"]["created"] == 20
    assert Comment.objects.count() == 59


def test_reimport_drops_cached_pages_of_changed_articles_only(
    media_root, tmp_path, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        wordpress_import(path=EXPORT, media_dir=UPLOADS)
    changed = Article.objects.get(title__contains="optical institute")
    other = Article.objects.get(
        pk=Article.objects.published().exclude(pk=changed.pk).first().pk
    )
    for article in (changed, other):
        client.get(article.get_absolute_url())
        assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    newer = tmp_path / "newer.xml"
    newer.write_text(
        EXPORT.read_text(encoding="utf-8").replace(
            "Xiaomi and Leica open a joint optical institute]]></title>",
            "Xiaomi and Leica open a joint optics institute]]></title>",
        ),
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        wordpress_import(path=newer, media_dir=UPLOADS)
    page = client.get(changed.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert "joint optics institute" in page.content.decode()
    assert client.get(other.get_absolute_url())["X-Page-Cache"] == "hit"


def test_a_repeated_comment_is_kept_as_wordpress_shows_it(media_root, tmp_path):
    """WordPress shows both copies of a comment posted twice: the import
    keeps both (the duplicate rule is for new submissions)."""
    text = EXPORT.read_text(encoding="utf-8")
    start = text.index("<wp:comment>")
    end = text.index("</wp:comment>", start) + len("</wp:comment>")
    block = text[start:end]
    assert "<wp:comment_approved><![CDATA[1]]>" in block
    twin = re.sub(
        r"<wp:comment_id>(\d+)</wp:comment_id>",
        "<wp:comment_id>99999</wp:comment_id>",
        block,
    )
    body = re.search(r"<wp:comment_content><!\[CDATA\[(.*?)\]\]>", block, re.S)
    repeated = tmp_path / "repeated.xml"
    repeated.write_text(text[:end] + twin + text[end:], encoding="utf-8")
    report = wordpress_import(path=repeated, media_dir=UPLOADS)
    assert report.counts["comments"]["created"] == 60
    assert Comment.objects.filter(status="approved").count() == 49
    assert Comment.objects.filter(body=comment_text(body.group(1))).count() == 2


def test_encoded_slugs_are_kept_as_wordpress_shows_them(client, media_root, tmp_path):
    """A multilingual site's export percent-encodes non-ASCII slugs (lower-
    case hex): the article, its tag and its old link keep WordPress's
    address, decoded, and every page answers (no NoReverseMatch)."""
    arabic = "ارتفاع-أسعار-الهواتف"
    chinese = "科技"
    encoded = quote(arabic).lower()
    text = EXPORT.read_text(encoding="utf-8")
    text = text.replace(
        "<wp:post_name><![CDATA[xiaomi-and-leica-open-a-joint-optical-institute]]>",
        f"<wp:post_name><![CDATA[{encoded}]]>",
    ).replace(
        "/2024/02/20/xiaomi-and-leica-open-a-joint-optical-institute/</link>",
        f"/2024/02/20/{encoded}/</link>",
    )
    text = text.replace(
        "<wp:tag_slug><![CDATA[xiaomi]]>", f"<wp:tag_slug><![CDATA[{quote(chinese)}]]>"
    ).replace('nicename="xiaomi"', f'nicename="{quote(chinese).lower()}"')
    science = "ciência-e-saúde"  # a category: upper-case hex here, lower there
    text = text.replace(
        "<wp:category_nicename><![CDATA[mobile]]>",
        f"<wp:category_nicename><![CDATA[{quote(science)}]]>",
    ).replace('nicename="mobile"', f'nicename="{quote(science).lower()}"')
    export = tmp_path / "multilingual.xml"
    export.write_text(text, encoding="utf-8")
    wordpress_import(path=export, media_dir=UPLOADS)
    article = Article.objects.get(slug=arabic)
    assert article.tags.filter(slug=chinese).exists()
    assert client.get(article.get_absolute_url()).status_code == 200
    old = f"/2024/02/20/{encoded}/"  # WordPress's link, lower-case hex
    assert client.get(old).status_code == 200  # the same address
    assert (
        client.get(Tag.objects.get(slug=chinese).get_absolute_url()).status_code == 200
    )
    section = Section.objects.get(slug=science)
    assert Article.objects.filter(section=section).exists()
    assert client.get(section.get_absolute_url()).status_code == 200
    assert client.get(f"/section/{quote(science)}/").status_code == 200
    assert client.get(f"/section/{quote(science).lower()}/feed/").status_code == 200


def test_reimport_moves_slugs_an_earlier_importer_mangled(client, media_root, tmp_path):
    """Earlier importers stored "%d8%a7…" as the hex string "d8a7…". A re-import
    of the same (unchanged) export moves the article to WordPress's address
    and answers 301 at the mangled one."""
    arabic = "ارتفاع-أسعار-الهواتف"
    encoded = quote(arabic).lower()
    text = EXPORT.read_text(encoding="utf-8").replace(
        "<wp:post_name><![CDATA[xiaomi-and-leica-open-a-joint-optical-institute]]>",
        f"<wp:post_name><![CDATA[{encoded}]]>",
    )
    export = tmp_path / "multilingual.xml"
    export.write_text(text, encoding="utf-8")
    wordpress_import(path=export, media_dir=UPLOADS)
    mangled = encoded.replace("%", "")  # what slugify() made of it
    article = Article.objects.get(slug=arabic)
    Article.objects.filter(pk=article.pk).update(slug=mangled)  # as imported before
    mangled_url = Article.objects.get(pk=article.pk).get_absolute_url()
    report = wordpress_import(path=export, media_dir=UPLOADS)
    assert report.counts["articles"]["updated"] == 1
    article.refresh_from_db()
    assert article.slug == arabic
    response = client.get(mangled_url)
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert client.get(article.get_absolute_url()).status_code == 200
    # An editor's own slug is never moved.
    Article.objects.filter(pk=article.pk).update(slug="chosen-by-the-desk")
    wordpress_import(path=export, media_dir=UPLOADS)
    assert Article.objects.get(pk=article.pk).slug == "chosen-by-the-desk"


def test_the_exports_language_becomes_the_stories(media_root, tmp_path):
    wordpress_import(path=EXPORT, media_dir=UPLOADS)  # <language>en-US</language>
    assert set(Article.objects.values_list("language", flat=True)) == {"en"}
    text = EXPORT.read_text(encoding="utf-8").replace(
        "<language>en-US</language>", "<language>pt-BR</language>"
    )
    export = tmp_path / "brazilian.xml"
    export.write_text(text, encoding="utf-8")
    Article.objects.all().delete()
    wordpress_import(path=export, media_dir=UPLOADS)
    assert set(Article.objects.values_list("language", flat=True)) == {"pt-br"}


def test_a_sticky_post_becomes_a_top_story_once(media_root, tmp_path):
    from articles.front import front_at
    from articles.models import FrontSlot

    text = EXPORT.read_text(encoding="utf-8")
    at = text.index("Xiaomi and Leica open a joint optical institute]]></title>")
    sticky = text[at:].replace(
        "<wp:is_sticky>0</wp:is_sticky>", "<wp:is_sticky>1</wp:is_sticky>", 1
    )
    export = tmp_path / "sticky.xml"
    export.write_text(text[:at] + sticky, encoding="utf-8")
    for _ in range(2):  # a second import places nothing twice
        wordpress_import(path=export, media_dir=UPLOADS)
    (slot,) = FrontSlot.objects.all()
    assert slot.kind == "top" and "optical institute" in slot.article.title
    assert [a.pk for a in front_at().top] == [slot.article_id]


def test_attachments_fill_the_media_library_and_link_their_stories(imported):
    from articles.models import LibraryImage

    telescope = LibraryImage.objects.get(title="telescope-mirror-segments")
    # The original upload, not the 768 px copy the body named.
    assert (telescope.width, telescope.height) == (1024, 768)
    assert telescope.alt == "Gold hexagonal mirror segments of a space telescope"
    story = Article.objects.get(title__startswith="How a space telescope")
    assert story.image_keys == [telescope.key]
    assert f"/media/renditions/{telescope.key}/" in story.body
    assert "wp-content/uploads" not in story.body
    seed = Article.objects.get(title="Xiaomi and Leica open a joint optical institute")
    assert seed.featured_item.title == "Xiaomi x Leica Optical Institute"
    assert seed.featured_image.name == seed.featured_item.file.name
    # Run again: the same pictures, nothing added.
    count = LibraryImage.objects.count()
    wordpress_import(path=EXPORT, media_dir=UPLOADS)
    assert LibraryImage.objects.count() == count


def test_a_media_file_that_is_no_picture_is_left_out_with_a_warning(
    media_root, tmp_path
):
    """Checked as an upload is: an SVG with a script named .jpg, and a text
    file, in the media folder never reach the library or the public
    storage; the import goes on and says so."""
    import shutil

    from articles.models import LibraryImage

    uploads = tmp_path / "uploads"
    shutil.copytree(UPLOADS, uploads)
    folder = uploads / "2024" / "02"
    for name in folder.glob("telescope-mirror-segments*"):
        name.write_bytes(
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'
        )
    for name in folder.glob("xiaomi-leica-optical-institute*"):
        name.write_text("not a picture")
    report = wordpress_import(path=EXPORT, media_dir=uploads)
    assert Article.objects.count() == 20
    left_out = [w["message"] for w in report.warnings if "Left out." in w["message"]]
    assert any(
        m.startswith("telescope-mirror-segments.jpg: Upload a valid image")
        for m in left_out
    )
    assert any(m.startswith("xiaomi-leica-optical-institute.jpg:") for m in left_out)
    assert set(LibraryImage.objects.values_list("title", flat=True)).isdisjoint(
        {"telescope-mirror-segments", "Xiaomi x Leica Optical Institute"}
    )
    seed = Article.objects.get(title="Xiaomi and Leica open a joint optical institute")
    assert seed.featured_item is None and not seed.featured_image
    story = Article.objects.get(title__startswith="How a space telescope")
    assert "/media/" not in story.body and story.image_keys == []


@pytest.mark.parametrize(
    ("metadata", "caption", "credit"),
    [
        ("", "The segments, aligned. Photo: Ana Ruiz/Reuters", "Ana Ruiz/Reuters"),
        ("", "Lançamento do aparelho (Foto: Divulgação)", "Divulgação"),
        ("", "Saturn's rings © NASA/JPL", "NASA/JPL"),
        ("", "Image by Jane Doe", "Jane Doe"),
        ("", "Just a caption about photos of phones", ""),
        ("", "The new phone: a review", ""),
        (
            'a:1:{s:10:"image_meta";a:2:{s:6:"credit";s:3:"Bob";'
            's:9:"copyright";s:0:"";}}',
            "Photo: someone else",
            "Bob",
        ),
        ("a:1:{broken", "Foto: Maria", "Maria"),
    ],
)
def test_a_pictures_credit_comes_from_its_metadata_or_caption(
    metadata, caption, credit
):
    from wpimport.posts import attachment_credit

    assert attachment_credit(metadata, caption) == credit
