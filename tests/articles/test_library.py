"""The media library: every picture is an item with its credit and rights;
the same bytes are one item; "used in" comes from the stories' images (body
included); a used picture cannot be deleted; crops centre on the focal
point; expired licences are flagged; embargoes hold in the library too."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles import library
from articles.images import content_key, crop_box, make_renditions, public_storage
from articles.models import Article, AuditEntry, LibraryImage
from tests.factories import (
    ArticleFactory,
    AuthorProfileFactory,
    UserFactory,
    image_file,
)

pytestmark = pytest.mark.django_db

ADD = "/admin/articles/libraryimage/add/"


def photo(name="photo.jpg", size=(1200, 800), color=(200, 30, 30)):
    return image_file(name, size=size, color=color)


def add_item(user, upload=None, **fields) -> LibraryImage:
    item, created = library.library_image_create(
        file=upload or photo(),
        user=user,
        title=fields.pop("title", "A picture"),
        **fields,
    )
    assert created
    return LibraryImage.objects.get(pk=item.pk)  # renditions made (immediate)


def body_with(item: LibraryImage, alt="In the body") -> str:
    name = item.renditions["fallback"][-1][0]
    return (
        f'<p>Text</p><figure><img src="{public_storage().url(name)}" alt="{alt}">'
        "<figcaption>Caption here</figcaption></figure>"
    )


@pytest.fixture
def editor(roles, media_root):
    return UserFactory(username="ed", groups="Editor")


# -- focal-point crop geometry ------------------------------------------


@pytest.mark.parametrize(
    ("size", "ratio", "focal", "box"),
    [
        # A wide picture cut to 3:2: full height, slid to the focal point.
        ((4000, 2000), 1.5, (0.5, 0.5), (500, 0, 3500, 2000)),
        ((4000, 2000), 1.5, (0.9, 0.5), (1000, 0, 4000, 2000)),  # edge holds
        ((4000, 2000), 1.5, (0.1, 0.2), (0, 0, 3000, 2000)),
        # A tall picture: full width, the box moved up or down.
        ((1000, 3000), 1.5, (0.5, 0.0), (0, 0, 1000, 667)),
        ((1000, 3000), 1.5, (0.5, 0.6), (0, 1466, 1000, 2133)),
        ((1000, 3000), 1.5, (0.5, 1.0), (0, 2333, 1000, 3000)),
        # Already the ratio: the whole picture, wherever the point is.
        ((1500, 1000), 1.5, (0.0, 1.0), (0, 0, 1500, 1000)),
        # 1200×630 from a square.
        ((1000, 1000), 1200 / 630, (0.3, 0.3), (0, 38, 1000, 563)),
    ],
)
def test_crop_box_centres_on_the_focal_point_within_the_picture(
    size, ratio, focal, box
):
    assert crop_box(*size, ratio, *focal) == box


def test_renditions_with_a_focal_point_have_the_card_and_social_crops(media_root):
    renditions = make_renditions(photo(size=(2400, 1000)), focal=(0.25, 0.5))
    crops = renditions["crops"]
    assert renditions["focal"] == [0.25, 0.5]
    assert [w for _, w in crops["card"]["webp"]] == [320, 640, 960]
    assert (crops["social"]["width"], crops["social"]["height"]) == (1200, 630)
    name = crops["card"]["fallback"][-1][0]
    assert "/card-25-50-960." in name
    with public_storage().open(name) as handle, Image.open(handle) as card:
        assert card.size == (960, 640)


def test_the_crop_is_taken_around_the_focal_point(media_root):
    # Left half red, right half blue: a focal point on the right gives a
    # blue card.
    picture = Image.new("RGB", (3000, 1000), (255, 0, 0))
    picture.paste((0, 0, 255), (1500, 0, 3000, 1000))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    for focal, colour in (((0.95, 0.5), "blue"), ((0.05, 0.5), "red")):
        upload = SimpleUploadedFile("halves.png", buffer.getvalue())
        card = make_renditions(upload, focal=focal)["crops"]["card"]
        with public_storage().open(card["fallback"][0][0]) as handle:
            r, _g, b = Image.open(handle).convert("RGB").getpixel((160, 100))
        assert (b > 200 and r < 50) if colour == "blue" else (r > 200 and b < 50)


@pytest.mark.parametrize(
    ("orientation", "shown"), [(1, (1600, 1200)), (6, (1600, 2133))]
)
def test_a_camera_photo_is_decoded_small_but_sized_as_shown(
    media_root, orientation, shown
):
    """A 4000×3000 JPEG is decoded at half size (enough for the widest
    rendition); one the camera held upright (EXIF orientation 6) is shown
    portrait, its widest rendition 1600 px across all the same."""
    picture = Image.new("RGB", (4000, 3000), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif)
    renditions = make_renditions(
        SimpleUploadedFile("camera.jpg", buffer.getvalue()), focal=(0.5, 0.5)
    )
    name, width = renditions["fallback"][-1]
    with public_storage().open(name) as handle, Image.open(handle) as largest:
        assert (width, *largest.size) == (1600, *shown)
    social = renditions["crops"]["social"]["fallback"][-1][0]
    with public_storage().open(social) as handle, Image.open(handle) as crop:
        assert crop.size == (1200, 630)


# -- capture, duplicates ------------------------------------------------


def test_an_upload_becomes_an_item_with_renditions_and_an_audit_entry(editor):
    item = add_item(editor, credit="Ana Ruiz", source="Reuters")
    assert item.key == content_key(photo().read())
    assert (item.width, item.height) == (1200, 800)
    assert item.renditions["crops"]["card"]["webp"]
    assert item.uploaded_by == editor
    assert item.credit_line == "Ana Ruiz / Reuters"
    assert AuditEntry.objects.filter(action="library-add").count() == 1


def test_the_same_bytes_twice_are_one_item(editor):
    first = add_item(editor)
    again, created = library.library_image_create(
        file=photo(name="renamed.jpg"), user=editor, title="Again"
    )
    assert not created and again.pk == first.pk
    assert LibraryImage.objects.count() == 1


def test_uploading_a_duplicate_in_the_library_offers_the_existing_item(editor):
    first = add_item(editor, title="Launch day")
    client = Client()
    client.force_login(editor)
    response = client.post(
        ADD,
        {
            "file": photo(name="copy.jpg"),
            "title": "Copy",
            "licence": "own",
            "language": "en",
            "focal_x": 0.5,
            "focal_y": 0.5,
        },
    )
    assert response.status_code == 200
    assert "already in the library" in response.content.decode()
    assert first.get_absolute_url() in response.content.decode()
    assert "Launch day" in response.content.decode()
    assert LibraryImage.objects.count() == 1


def test_a_featured_image_joins_the_library_and_a_reupload_shares_its_item(
    editor, media_root, django_capture_on_commit_callbacks
):
    from tests.security.test_uploads import post_image

    client = Client()
    client.force_login(editor)
    post_image(client, photo(name="one.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        post_image(client, photo(name="two.jpg"), title="Second", slug="second")
    first, second = Article.objects.order_by("pk")
    item = LibraryImage.objects.get()
    assert first.featured_item_id == second.featured_item_id == item.key
    assert first.featured_image.name == second.featured_image.name == item.file.name
    assert first.image_keys == [item.key]
    # One original kept: the second upload's copy was deleted.
    originals = list((media_root / "articles").glob("*")) + list(
        (media_root / "library").glob("**/*.*")
    )
    assert len(originals) == 1
    assert second.featured_image_renditions == item.renditions


# -- used in, deletion ---------------------------------------------------


def test_used_in_lists_stories_showing_it_in_the_body_or_as_featured(editor):
    item = add_item(editor)
    body_story = ArticleFactory(title="Body story", body=body_with(item))
    featured_story = ArticleFactory(title="Featured story")
    library.featured_from_item(article=featured_story, item=item)
    featured_story.save()
    ArticleFactory(title="Unrelated")
    uses = library.library_uses(item=item)
    assert {a.title for a in uses.articles} == {"Body story", "Featured story"}
    assert body_story.image_keys == [item.key]


def test_deleting_a_used_picture_is_refused_with_the_stories(editor):
    item = add_item(editor, title="Rocket")
    ArticleFactory(title="Launch story", body=body_with(item))
    with pytest.raises(library.ImageInUse, match="Launch story"):
        library.library_image_delete(item=item, user=editor)
    client = Client()
    client.force_login(editor)
    url = reverse("admin:articles_libraryimage_delete", args=[item.pk])
    page = client.get(url).content.decode()
    assert "Launch story" in page and "protected" in page
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200  # the refusal again, nothing deleted
    assert LibraryImage.objects.filter(pk=item.pk).exists()


def test_deleting_an_unused_picture_removes_its_files(
    editor, media_root, django_capture_on_commit_callbacks
):
    item = add_item(editor)
    names = [item.file.name, item.renditions["webp"][0][0]]
    client = Client()
    client.force_login(editor)
    url = reverse("admin:articles_libraryimage_delete", args=[item.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"post": "yes"}).status_code == 302
    assert not LibraryImage.objects.exists()
    assert not (media_root / names[0]).exists()
    assert not public_storage().exists(names[1])


def test_an_author_photo_is_in_the_library_and_protected(editor):
    from articles import services
    from tests.factories import AuthorProfileFactory

    profile = AuthorProfileFactory(photo=photo(name="me.jpg"))
    services.author_refresh_photo(profile=profile)
    item = LibraryImage.objects.get()
    assert profile.photo_item_id == item.key
    with pytest.raises(library.ImageInUse, match="the author"):
        library.library_image_delete(item=item, user=editor)


# -- rights --------------------------------------------------------------


def test_a_licence_expires_the_day_after_its_last_day(editor):
    today = timezone.localdate()
    last_day_today = add_item(editor, licence_expires_on=today)
    ran_out = add_item(
        editor,
        upload=photo(color=(1, 2, 3)),
        licence_expires_on=today - datetime.timedelta(days=1),
    )
    add_item(editor, upload=photo(color=(4, 5, 6)))  # no end
    assert list(LibraryImage.objects.expired()) == [ran_out]
    assert not last_day_today.is_expired and ran_out.is_expired


def test_the_rights_report_lists_published_stories_with_expired_pictures(editor):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ran_out = add_item(editor, licence_expires_on=yesterday)
    shown = ArticleFactory(title="Still showing it", body=body_with(ran_out))
    ArticleFactory(title="A draft with it", body=body_with(ran_out), draft=True)
    ArticleFactory(title="Nothing expired")
    assert list(library.stories_with_expired_images()) == [shown]
    assert library.expired_images_of(shown) == [ran_out]


# -- search, grid, embargo -------------------------------------------------


def test_the_library_search_reads_title_tags_caption_and_credit(editor):
    add_item(editor, title="Rocket launch", caption="Falcon lifts off")
    add_item(
        editor,
        upload=photo(color=(9, 9, 9)),
        title="Phone",
        tags="handset, review",
        credit="Ana Ruiz",
    )

    def search(q):
        found = library.library_search(LibraryImage.objects.all(), q)
        return {item.title for item in found}

    assert search("falcon") == {"Rocket launch"}
    assert search("reviews") == {"Phone"}  # stemmed, as the site's search
    assert search("ruiz") == {"Phone"}
    assert search("Rock") == {"Rocket launch"}  # the start of a title
    assert search("") == {"Rocket launch", "Phone"}


def test_the_grid_costs_the_same_queries_for_any_number_of_pictures(
    editor, django_assert_num_queries
):
    client = Client()
    client.force_login(editor)
    url = reverse("admin:articles_libraryimage_changelist")
    for n in range(3):
        add_item(editor, upload=photo(color=(n, n, n)))
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert page.content.decode().count('class="library-card') == 3
    for n in range(3, 20):
        add_item(editor, upload=photo(color=(n, n, n)))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count('class="library-card') == 20
    assert len(many) == len(few)
    assert page.content.decode().count('loading="lazy"') == 20


def test_embargoed_pictures_stay_out_of_a_colleagues_library(roles, media_root):
    owner = UserFactory(username="owner", groups="Journalist")
    other = UserFactory(username="other", groups="Journalist")
    editor = UserFactory(username="ed", groups="Editor")
    secret = add_item(owner, title="Secret phone")
    draft = ArticleFactory(
        title="Embargoed launch", body=body_with(secret), draft=True, created_by=owner
    )
    add_item(editor, upload=photo(color=(0, 9, 0)), title="Shared pool")
    public = add_item(editor, upload=photo(color=(0, 0, 9)), title="On the site")
    ArticleFactory(title="Published story", body=body_with(public))
    mine = add_item(other, upload=photo(color=(9, 0, 0)), title="My own")
    ArticleFactory(
        title="Another secret", body=body_with(mine), draft=True, created_by=owner
    )

    def seen(user):
        return set(
            LibraryImage.objects.visible_to(user).values_list("title", flat=True)
        )

    assert seen(other) == {"Shared pool", "On the site", "My own"}
    assert seen(owner) == {"Secret phone", "Shared pool", "On the site", "My own"}
    assert seen(editor) == {"Secret phone", "Shared pool", "On the site", "My own"}
    client = Client()
    client.force_login(other)
    grid = client.get(reverse("admin:articles_libraryimage_changelist") + "?q=secret")
    assert "Secret phone" not in grid.content.decode()
    found = client.get(
        reverse("admin:articles_libraryimage_search") + "?q=phone"
    ).json()
    assert "Secret phone" not in {r["title"] for r in found["results"]}
    page = client.get(reverse("admin:articles_libraryimage_change", args=[secret.pk]))
    assert page.status_code == 302  # "does not exist", as any hidden object
    # Its own picture's page never names the colleague's draft that uses it.
    page = client.get(reverse("admin:articles_libraryimage_change", args=[mine.pk]))
    assert "Another secret" not in page.content.decode()
    # The same bytes uploaded again do not reveal the story either.
    response = client.post(
        ADD,
        {
            "file": photo(),
            "title": "Copy",
            "licence": "own",
            "language": "en",
            "focal_x": 0.5,
            "focal_y": 0.5,
        },
    )
    text = response.content.decode()
    assert "cannot open yet" in text
    assert "Embargoed launch" not in text and "Secret phone" not in text
    assert draft.pk  # still there


def test_a_new_focal_point_remakes_the_crops_and_the_story_shows_them(editor):
    item = add_item(editor)
    story = ArticleFactory(title="Focal story")
    library.featured_from_item(article=story, item=item)
    story.featured_image_alt = "Alt"
    story.save()
    old_card = item.renditions["crops"]["card"]["webp"][0][0]
    client = Client()
    client.force_login(editor)
    url = reverse("admin:articles_libraryimage_change", args=[item.pk])
    data = {
        "title": item.title,
        "alt": "",
        "caption": "",
        "credit": "",
        "source": "",
        "licence": "own",
        "licence_expires_on": "",
        "tags": "",
        "language": "en",
        "focal_x": "0.9",
        "focal_y": "0.1",
    }
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    story.refresh_from_db()
    new_card = item.renditions["crops"]["card"]["webp"][0][0]
    assert "card-90-10-" in new_card and new_card != old_card
    assert story.featured_image_renditions == item.renditions
    assert not public_storage().exists(old_card)  # the old crops are gone
    home = Client().get("/").content.decode()
    assert public_storage().url(new_card) in home or "card-90-10" in home


# -- choosing from the library in a story --------------------------------


def test_a_picture_picked_from_the_library_is_the_featured_image(editor):
    from tests.security.test_uploads import post_image

    item = add_item(editor, alt="A rocket on the pad", caption="Ready", credit="Ana")
    client = Client()
    client.force_login(editor)
    response = post_image(
        client, "", featured_item=item.key, featured_image_alt="", status="published"
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    story = Article.objects.get()
    assert story.featured_item_id == item.key
    assert story.featured_image.name == item.file.name
    # Offered from the library: the story's own words, editable per use.
    assert story.featured_image_alt == "A rocket on the pad"
    assert story.featured_image_caption == "Ready"
    assert story.featured_image_credit == "Ana"
    assert story.featured_image_renditions == item.renditions
    assert LibraryImage.objects.count() == 1
    page = Client().get(story.get_absolute_url()).content.decode()
    social = item.renditions["crops"]["social"]["fallback"][-1][0]
    assert f'content="http://testserver{public_storage().url(social)}"' in page
    home = Client().get("/").content.decode()
    card = item.renditions["crops"]["card"]["webp"][0][0]
    assert public_storage().url(card) in home


def test_a_journalist_cannot_pick_a_picture_hidden_from_them(roles, media_root):
    from tests.security.test_uploads import post_image

    owner = UserFactory(username="owner", groups="Journalist")
    other = UserFactory(username="other", groups="Journalist")
    secret = add_item(owner, title="Secret")
    ArticleFactory(body=body_with(secret), draft=True, created_by=owner)
    client = Client()
    client.force_login(other)
    response = post_image(client, "", featured_item=secret.key, status="draft")
    assert response.status_code == 200
    assert "featured_item" in response.context["adminform"].form.errors
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Secret",
            "app_label": "articles",
            "model_name": "article",
            "field_name": "featured_item",
        },
    ).json()
    assert found["results"] == []


def test_a_journalist_edits_only_their_own_pictures(roles, media_root):
    """As WordPress's authors: another's picture (here an agency photo an
    editor filed) is seen and used, not rewritten: no credit or licence
    changed behind the photo desk."""
    editor = UserFactory(username="ed", groups="Editor")
    jo = UserFactory(username="jo", groups="Journalist")
    agency = add_item(editor, title="Agency photo", credit="Reuters")
    own = add_item(jo, upload=photo(color=(1, 1, 1)), title="Mine")
    client = Client()
    client.force_login(jo)
    page = client.get(f"/admin/articles/libraryimage/{agency.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]
    changed = {
        "title": "Agency photo",
        "alt": "",
        "caption": "",
        "credit": "Jo",
        "source": "",
        "licence": "own",
        "licence_expires_on": "",
        "tags": "",
        "language": "en",
        "focal_x": "0.5",
        "focal_y": "0.5",
    }
    response = client.post(f"/admin/articles/libraryimage/{agency.pk}/change/", changed)
    assert response.status_code == 403
    agency.refresh_from_db()
    assert (agency.credit, agency.licence) == ("Reuters", "unknown")
    response = client.post(
        f"/admin/articles/libraryimage/{own.pk}/change/", {**changed, "title": "Mine"}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.credit == "Jo"


def test_a_body_picture_becomes_the_featured_image_in_one_action(editor):
    item = add_item(editor, alt="Library words")
    story = ArticleFactory(
        title="Body first", body=body_with(item, alt="The story's own words")
    )
    client = Client()
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[story.pk])
    page = client.get(url).content.decode()
    assert f'name="_make_featured" value="{item.key}"' in page
    form = page_form_data(client, url)
    form["_make_featured"] = item.key
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    story.refresh_from_db()
    assert story.featured_item_id == item.key
    assert story.featured_image_alt == "The story's own words"
    assert story.featured_image_caption == "Caption here"
    assert story.image_keys == [item.key]  # featured and body: one picture


def test_another_pick_brings_its_own_words(editor):
    """Changing the featured picture replaces the previous picture's alt
    text, caption and credit, unless the editor writes new ones with it."""
    first = add_item(editor, alt="First alt", caption="First", credit="Ana")
    second = add_item(
        editor, upload=photo(color=(5, 5, 5)), alt="Second alt", caption="Second"
    )
    story = ArticleFactory(title="Two pictures")
    client = Client()
    client.force_login(editor)
    url = reverse("admin:articles_article_change", args=[story.pk])
    for item, typed, shown in (
        (first, {}, ("First alt", "First", "Ana")),
        (second, {}, ("Second alt", "Second", "")),
        (first, {"featured_image_alt": "Typed now"}, ("Typed now", "First", "Ana")),
    ):
        form = page_form_data(client, url)
        form.update(featured_item=item.key, **typed)
        response = client.post(url, form)
        assert response.status_code == 302, response.content.decode()[-2000:]
        story.refresh_from_db()
        assert story.featured_item_id == item.key
        assert (
            story.featured_image_alt,
            story.featured_image_caption,
            story.featured_image_credit,
        ) == shown


def page_form_data(client, url) -> dict:
    """The change form's fields as a browser would send them."""
    from articles.admin import ArticleAdminForm

    response = client.get(url)
    form = response.context["adminform"].form
    assert isinstance(form, ArticleAdminForm)
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or name in {"featured_image"}:
            continue
        if hasattr(field, "widget") and field.widget.__class__.__name__ in {
            "SplitDateTimeWidget",
            "AdminSplitDateTime",
        }:
            local = timezone.localtime(value) if value else None
            data[f"{name}_0"] = local.date().isoformat() if local else ""
            data[f"{name}_1"] = local.strftime("%H:%M:%S") if local else ""
            continue
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"bylines-{key}"] = "0" if key != "MAX_NUM_FORMS" else "1000"
    return data


def test_publishing_with_an_expired_picture_asks_first(editor):
    from tests.security.test_uploads import post_image

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    item = add_item(editor, title="Old agency shot", licence_expires_on=yesterday)
    client = Client()
    client.force_login(editor)
    data = {"body": body_with(item), "_workflow": "publish"}
    response = post_image(client, "", **data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "licence of “Old agency shot” has run out" in text
    assert 'name="rights_confirmed"' in text
    assert not Article.objects.exists()
    response = post_image(client, "", rights_confirmed="on", **data)
    assert response.status_code == 302
    assert Article.objects.get().is_published
    # A draft with it saves without asking.
    response = post_image(client, "", body=body_with(item), slug="draft-one")
    assert response.status_code == 302


def test_publishing_in_bulk_leaves_a_story_with_an_expired_picture(editor):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ran_out = add_item(editor, licence_expires_on=yesterday)
    held = ArticleFactory(title="Old photo", body=body_with(ran_out), in_review=True)
    fine = ArticleFactory(title="No photo", in_review=True)
    client = Client()
    client.force_login(editor)
    response = client.post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [held.pk, fine.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "Published 1 article(s)." in shown
    assert any("Not published: “Old photo”" in m for m in shown)
    held.refresh_from_db()
    fine.refresh_from_db()
    assert (held.is_published, fine.is_published) == (False, True)


def test_a_body_upload_joins_the_library_and_a_duplicate_is_offered(editor):
    client = Client()
    client.force_login(editor)
    url = reverse("admin:articles_article_body_image")
    first = client.post(url, {"image": photo(name="a.jpg")}).json()
    item = LibraryImage.objects.get()
    assert first["key"] == item.key and "existing" not in first
    assert first["url"].startswith(public_storage().url("renditions/" + item.key))
    item.title, item.alt, item.credit = "Known picture", "Known alt", "Ana"
    item.save()
    again = client.post(url, {"image": photo(name="b.jpg")}).json()
    assert again["existing"] == "Known picture"
    assert again["alt"] == "Known alt" and again["credit"] == "Ana"
    assert again["url"] == first["url"]
    assert LibraryImage.objects.count() == 1


# -- rights on the desk and in the story list ---------------------------------


def test_expired_pictures_are_flagged_on_the_desk_and_listed(editor):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ran_out = add_item(editor, title="Ran out", licence_expires_on=yesterday)
    fine = add_item(editor, upload=photo(color=(8, 8, 8)), title="Fine")
    showing = ArticleFactory(title="Shows the old photo", body=body_with(ran_out))
    ArticleFactory(title="Shows a fine photo", body=body_with(fine))
    ArticleFactory(
        title="A draft with the old photo", body=body_with(ran_out), draft=True
    )
    client = Client()
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    desk = html.split('id="desk-title"')[1].split("</section>")[0]
    assert desk.count("expired picture") == 2  # the published one and the draft
    assert "1 published story shows a picture whose licence has run out" in desk
    listed = (
        client.get(
            "/admin/articles/article/",
            {"pictures": "expired", "status__exact": "published"},
        )
        .context["cl"]
        .result_list
    )
    assert list(listed) == [showing]
    grid = client.get("/admin/articles/libraryimage/", {"use": "expired"})
    assert [i.title for i in grid.context["cl"].result_list] == ["Ran out"]
    assert "Licence expired" in grid.content.decode()


def test_the_use_filters_read_bodies_featured_pictures_and_author_photos(editor):
    in_body, featured, author_photo, scheduled_only, unused = (
        add_item(editor, upload=photo(color=(c, c, c)), title=title)
        for c, title in (
            (10, "In a body"),
            (20, "Featured"),
            (30, "Author photo"),
            (40, "Scheduled only"),
            (50, "Unused"),
        )
    )
    ArticleFactory(body=body_with(in_body))
    ArticleFactory(featured_item=featured)
    ArticleFactory(
        body=body_with(scheduled_only),
        published_at=timezone.now() + datetime.timedelta(hours=2),
    )
    AuthorProfileFactory(photo_item=author_photo)
    items = LibraryImage.objects.all()
    assert {i.title for i in items.unused()} == {"Unused"}
    assert {i.title for i in items.used_in_published()} == {"In a body", "Featured"}
    client = Client()
    client.force_login(editor)
    for use, titles in (
        ("unused", ["Unused"]),
        ("published", ["Featured", "In a body"]),
    ):
        grid = client.get("/admin/articles/libraryimage/", {"use": use})
        assert [i.title for i in grid.context["cl"].result_list] == titles
        assert grid.context["cl"].result_count == len(titles)
