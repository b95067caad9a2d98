"""Make every picture stored before the media library a library item:
featured images, body images (uploaded ones and imported WordPress ones)
and author photos. Each story or profile is done in its own transaction and
nothing done is done again, so it can be stopped and run again.

    manage.py library_adopt

A body image uploaded before the library kept no original: its largest
rendition stands in for it. Imported WordPress images move into the
library (the body then shows the item's rendition)."""

import posixpath
import re

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from articles.html import figure_of, image_keys_in
from articles.images import body_rendition, public_storage, public_url
from articles.library import library_capture, library_image_ready
from articles.models import Article, AuthorProfile, LibraryImage
from articles.models.common import fit
from articles.tasks import make_library_renditions
from articles.validators import validate_image

_WORDPRESS_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]+)(")', re.I)
# What the importer stores: wordpress/<year>/<month>/<name> (no "..").
_WORDPRESS_NAME = re.compile(r"^wordpress/(?:[\w.-]+/)*[\w-][\w.-]*$")
_LEGACY_SRC = re.compile(r'\ssrc="[^"]*?/((?:body|renditions)/([0-9a-f]{20})/[^"]+)"')


class Command(BaseCommand):
    help = "Make every existing featured, body and author image a library item."

    def handle(self, *args, **options):
        done = {"featured": 0, "body": 0, "wordpress": 0, "authors": 0}
        for profile in AuthorProfile.objects.exclude(photo="").filter(
            photo_item__isnull=True
        ):
            with transaction.atomic():
                item = library_capture(
                    field_file=profile.photo,
                    user=None,
                    title=profile.display_name,
                    alt=profile.display_name,
                    licence=LibraryImage.Licence.OWN,
                )
                AuthorProfile.objects.filter(pk=profile.pk).update(
                    photo_item=item, photo=item.file.name
                )
                self._renditions(item)
            done["authors"] += 1
        for article in Article.objects.exclude(featured_image="").filter(
            featured_item__isnull=True
        ):
            with transaction.atomic():
                item = library_capture(
                    field_file=article.featured_image,
                    user=article.created_by,
                    title=article.featured_image_caption or article.title,
                    alt=article.featured_image_alt,
                    caption=article.featured_image_caption,
                    credit=article.featured_image_credit,
                )
                if not item.renditions and article.featured_image_renditions:
                    # The same bytes, so the same folder: the files exist.
                    item.renditions = article.featured_image_renditions
                    item.save(update_fields=["renditions"])
                article.featured_item = item
                Article.objects.filter(pk=article.pk).update(
                    featured_item=item,
                    featured_image=item.file.name,
                    image_keys=article.compute_image_keys(),
                )
                self._renditions(item)
            done["featured"] += 1
        prefix = public_url("")
        for article in Article.objects.filter(body__contains=prefix).only("pk", "body"):
            with transaction.atomic():
                article = Article.objects.select_for_update().get(pk=article.pk)
                body = _WORDPRESS_SRC.sub(
                    lambda m: m[1] + self._wordpress(m[2], prefix, done) + m[3],
                    article.body,
                )
                for name, key in _LEGACY_SRC.findall(body):
                    if not LibraryImage.objects.filter(key=key).exists():
                        self._legacy(key, name, body, article)
                        done["body"] += 1
                if body != article.body or article.image_keys != image_keys_in(body):
                    article.body = body
                    article.save()  # image_keys, the invalidation point
        self.stdout.write(
            "Library items made: {featured} featured, {body} body, {wordpress} "
            "imported WordPress, {authors} author photos.".format(**done)
        )

    def _renditions(self, item: LibraryImage) -> None:
        """The crops (and any missing widths) by a worker."""
        if not (item.renditions or {}).get("crops"):
            make_library_renditions.enqueue(item.key)

    def _legacy(self, key: str, name: str, body: str, article) -> LibraryImage:
        """An item for a body image uploaded before the library: its largest
        rendition in the original's format stands in for the original,
        under the key its address already names."""
        folder = posixpath.dirname(name)
        extension = posixpath.splitext(name)[1]
        _dirs, files = public_storage().listdir(folder)
        widths = [
            int(f.split(".")[0])
            for f in files
            if f.endswith(extension) and f.split(".")[0].isdigit()
        ]
        largest = f"{folder}/{max(widths)}{extension}" if widths else name
        with public_storage().open(largest) as handle:
            data = handle.read()
        words = figure_of(body, key)
        item = LibraryImage(
            key=key,
            title=fit(
                LibraryImage,
                "title",
                words.get("caption") or words.get("alt") or article.title,
            ),
            alt=fit(LibraryImage, "alt", words.get("alt", "")),
            caption=fit(LibraryImage, "caption", words.get("caption", "")),
            file_size=len(data),
            uploaded_by=article.created_by,
        )
        item.file.save(f"{key}{extension}", ContentFile(data), save=False)
        item.file.field.update_dimension_fields(item, force=True)
        item.save()
        make_library_renditions.enqueue(key)
        return item

    def _wordpress(self, src: str, prefix: str, done: dict) -> str:
        """An imported WordPress image's address becomes its library
        item's rendition (the item made from the file, found if the same
        bytes are in the library already)."""
        name = src[len(prefix) :] if src.startswith(prefix) else ""
        if not _WORDPRESS_NAME.match(name) or ".." in name:
            return src  # another site's picture, or not one the importer stored
        if not public_storage().exists(name):
            return src
        with public_storage().open(name) as handle:
            data = handle.read()
        try:
            validate_image(ContentFile(data, name=posixpath.basename(name)))
        except ValidationError:
            return src  # no picture an upload may be: left as imported
        item, created = library_image_ready(
            file=ContentFile(data, name=posixpath.basename(name)),
            user=None,
            title=posixpath.splitext(posixpath.basename(name))[0],
        )
        if created:
            done["wordpress"] += 1
        shown = body_rendition(item.renditions)
        return shown[0] if shown else src
