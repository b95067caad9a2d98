"""The media library's commands: `library_adopt` turns the pictures stored
before the library (featured images, uploaded and imported body images,
author photos) into items, resumably; `rights_report --mail` tells the
editors which published stories still show a picture whose licence ran out."""

import datetime
import io

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from articles import library
from articles.images import content_key, make_renditions, public_storage, public_url
from articles.models import Article, AuthorProfile, LibraryImage
from tests.factories import ArticleFactory, AuthorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def jpeg(color, size=(1400, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def adopt() -> str:
    out = io.StringIO()
    call_command("library_adopt", stdout=out)
    return out.getvalue()


@pytest.fixture
def before_the_library(roles, media_root):
    """Pictures as a site stored them before the library: a featured image
    with its renditions, a body image uploaded then (renditions under
    body/<key>/, no original kept), an imported WordPress image, an author
    photo."""
    featured = jpeg((200, 30, 30))
    featured_name = default_storage.save("articles/2025/old.jpg", ContentFile(featured))
    story = ArticleFactory(title="An old story")
    body_bytes = jpeg((30, 200, 30))
    body_renditions = make_renditions(ContentFile(body_bytes), folder="body")
    body_src = public_url(body_renditions["fallback"][-1][0])
    wordpress_name = public_storage().save(
        "wordpress/2019/05/launch.jpg", ContentFile(jpeg((30, 30, 200)))
    )
    Article.objects.filter(pk=story.pk).update(
        featured_image=featured_name,
        featured_image_alt="A red square",
        featured_image_caption="The old red square",
        featured_image_credit="Photo: Ana Ruiz",
        featured_image_renditions=make_renditions(ContentFile(featured)),
        body=(
            f'<p>Before.</p><figure><img src="{body_src}" alt="Green field">'
            "<figcaption>A <em>green</em> field</figcaption></figure>"
            f'<p>Imported:</p><img src="{public_url(wordpress_name)}" alt="Launch">'
        ),
        image_keys=[],
    )
    author = AuthorProfileFactory(display_name="Bea Costa")
    photo_name = default_storage.save("authors/bea.jpg", ContentFile(jpeg((90, 90, 9))))
    AuthorProfile.objects.filter(pk=author.pk).update(photo=photo_name)
    return {
        "story": story,
        "featured_key": content_key(featured),
        "body_key": content_key(body_bytes),
        "author": author,
    }


def test_adopting_makes_every_old_picture_an_item(before_the_library):
    old = before_the_library
    out = adopt()
    assert "1 featured, 1 body, 1 imported WordPress, 1 author photos" in out

    story = Article.objects.get(pk=old["story"].pk)
    featured = story.featured_item
    assert featured.key == old["featured_key"]
    assert (featured.alt, featured.caption, featured.credit) == (
        "A red square",
        "The old red square",
        "Photo: Ana Ruiz",
    )
    assert featured.renditions["crops"]["card"]["fallback"]  # a worker made them

    # The uploaded body image: its key is the one its address names; alt and
    # caption come from its figure; its largest rendition stands in for the
    # original (none was kept).
    body_item = LibraryImage.objects.get(key=old["body_key"])
    assert (body_item.alt, body_item.caption) == ("Green field", "A green field")
    assert body_item.width == 1400

    # The WordPress image moved in: the body shows its rendition now.
    wordpress = LibraryImage.objects.get(title="launch")
    assert "/wordpress/" not in story.body
    assert f"/renditions/{wordpress.key}/" in story.body
    assert story.image_keys == [featured.key, body_item.key, wordpress.key]
    # "Used in" knows all three.
    for item in (featured, body_item, wordpress):
        assert library.library_uses(item=item).articles == [story]

    author = AuthorProfile.objects.get(pk=old["author"].pk)
    assert author.photo_item.title == "Bea Costa"
    with pytest.raises(library.ImageInUse):
        library.library_image_delete(item=author.photo_item, user=None)


def test_adopting_again_changes_nothing(before_the_library):
    adopt()
    items = set(LibraryImage.objects.values_list("key", "file"))
    body = Article.objects.get(pk=before_the_library["story"].pk).body

    assert "0 featured, 0 body, 0 imported WordPress, 0 author photos" in adopt()
    assert set(LibraryImage.objects.values_list("key", "file")) == items
    assert Article.objects.get(pk=before_the_library["story"].pk).body == body


def test_a_reupload_of_an_adopted_body_picture_is_the_same_item(before_the_library):
    """The adopted item keeps the key of the original's bytes: uploading
    that original again finds it."""
    adopt()
    again, created = library.library_image_create(
        file=ContentFile(jpeg((30, 200, 30)), name="field.jpg"), user=None
    )
    assert not created and again.key == before_the_library["body_key"]


def test_what_is_not_an_imported_picture_is_left_as_it_was(roles, media_root):
    """A missing file, a file that is no picture, another site's
    /wordpress/ address and a climb out of the folder stay as they are."""
    public_storage().save("wordpress/2001/01/notes.jpg", ContentFile(b"not a picture"))
    public_storage().save("wordpress/2001/01/fine.jpg", ContentFile(jpeg((4, 4, 4))))
    srcs = [
        public_url("wordpress/2001/01/gone.jpg"),
        public_url("wordpress/2001/01/notes.jpg"),
        "https://elsewhere.example/wordpress/2001/01/fine.jpg",
        public_url("") + "wordpress/2001/../../wordpress/2001/01/fine.jpg",
    ]
    story = ArticleFactory(
        body="".join(f'<p><img src="{s}" alt="x"></p>' for s in srcs)
    )
    assert "0 featured, 0 body, 0 imported WordPress, 0 author photos" in adopt()
    assert Article.objects.get(pk=story.pk).body == story.body
    assert not LibraryImage.objects.exists()


# -- rights report ---------------------------------------------------------


@pytest.fixture
def expired_story(roles, media_root):
    item, _ = library.library_image_create(
        file=ContentFile(jpeg((1, 2, 3)), name="agency.jpg"),
        user=None,
        title="Agency shot",
        licence_expires_on=datetime.date(2020, 1, 31),
    )
    item.refresh_from_db()
    name = item.renditions["fallback"][-1][0]
    return ArticleFactory(
        title="Still showing it",
        body=f'<p><img src="{public_url(name)}" alt="x"></p>',
    )


def test_the_rights_report_mails_the_editors(expired_story):
    UserFactory(username="ed1", email="ed1@example.com", groups="Editor")
    UserFactory(username="ed2", email="ed2@example.com", groups="Editor")
    UserFactory(
        username="gone", email="gone@example.com", groups="Editor", is_active=False
    )
    UserFactory(username="jo", email="jo@example.com", groups="Journalist")
    out = io.StringIO()
    call_command("rights_report", "--mail", stdout=out)

    assert "Still showing it" in out.getvalue()
    [message] = mail.outbox
    assert sorted(message.to) == ["ed1@example.com", "ed2@example.com"]
    assert "1 stories" in message.subject
    assert "“Agency shot” (licence ended 2020-01-31)" in message.body
    assert f"/admin/articles/article/{expired_story.pk}/change/" in message.body


def test_the_rights_report_mails_nobody_when_all_is_well(roles, media_root):
    UserFactory(username="ed1", email="ed1@example.com", groups="Editor")
    out = io.StringIO()
    call_command("rights_report", "--mail", stdout=out)
    assert "No published story shows an expired picture." in out.getvalue()
    assert mail.outbox == []
