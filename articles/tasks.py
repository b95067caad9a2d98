"""Background work for articles (Django's tasks framework; the workers of
`make cluster`, or at once with the immediate backend)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from .images import STORAGE_ERRORS

logger = logging.getLogger(__name__)


# A storage that cannot be reached (the object store restarting): the job
# is queued again settings.NEWSROOM_MEDIA_RETRY_SECONDS later, up to RETRIES
# times, instead of leaving the image a placeholder for good.
RETRIES = 20


def _or_again(make, job, args: tuple, attempt: int):
    """`make()`'s result; None when the storage failed, the job then queued
    again NEWSROOM_MEDIA_RETRY_SECONDS later (the error raised after
    RETRIES, or at once with a backend that cannot defer)."""
    try:
        return make()
    except STORAGE_ERRORS as error:
        if attempt >= RETRIES or not job.get_backend().supports_defer:
            logger.error("%s%s failed for good: %s", job.name, args, error)
            raise
        seconds = settings.NEWSROOM_MEDIA_RETRY_SECONDS
        logger.warning(
            "%s%s failed (%s); again in %s s", job.name, args, error, seconds
        )
        later = timezone.now() + timedelta(seconds=seconds)
        job.using(run_after=later).enqueue(*args, attempt=attempt + 1)
        return None


@task
def make_featured_renditions(
    article_id: int, image_name: str, attempt: int = 1
) -> None:
    """Make the renditions of an article's featured image (its library
    item's: every story showing the picture gets them), while the article
    still has this image."""
    from .models import Article

    article = Article.objects.filter(pk=article_id).first()
    if article is None or article.featured_image.name != image_name:
        return
    if article.featured_item_id is None:
        return  # taken out of the library's hands since: nothing to make
    _render_item(
        article.featured_item_id,
        make_featured_renditions,
        (article_id, image_name),
        attempt,
    )


@task
def make_library_renditions(key: str, attempt: int = 1) -> None:
    """Make a library item's renditions (widths and the crops around its
    focal point) and give them to every story showing it as its featured
    image; those pages change through the invalidation point.

    Safe to run twice (a worker killed mid-job, the job run again): the
    files' names follow from the bytes and the focal point, so a second
    run overwrites the same files."""
    _render_item(key, make_library_renditions, (key,), attempt)


def _render_item(key: str, job, args: tuple, attempt: int) -> None:
    from caching.invalidation import invalidate

    from .images import delete_renditions, make_renditions
    from .invalidation import article_tags
    from .models import Article, LibraryImage

    item = LibraryImage.objects.filter(key=key).first()
    if item is None:
        return
    focal = (item.focal_x, item.focal_y)
    renditions = _or_again(
        lambda: make_renditions(item.file, focal=focal, key=key),
        job,
        args,
        attempt,
    )
    if renditions is None:
        return
    with transaction.atomic():
        current = (
            LibraryImage.objects.select_for_update()
            .filter(key=key, focal_x=focal[0], focal_y=focal[1])
            .first()
        )
        if current is None:  # deleted, or a new focal point meanwhile
            transaction.on_commit(
                lambda: delete_renditions(
                    renditions,
                    keep=LibraryImage.objects.filter(key=key)
                    .values_list("renditions", flat=True)
                    .first(),
                )
            )
            return
        old = current.renditions
        current.renditions = renditions
        LibraryImage.objects.filter(pk=current.pk).update(renditions=renditions)
        # Every story whose featured image it is shows them now (update()
        # sends no signal: the pages change through the invalidation point).
        showing = Article.objects.filter(featured_item=key)
        ids = list(showing.values_list("pk", flat=True))
        showing.update(featured_image_renditions=renditions)
        invalidate(*{tag for pk in ids for tag in article_tags(pk)})
    if old != renditions:
        delete_renditions(old, keep=renditions)


@task
def make_author_photo(author_id: int, photo_name: str, attempt: int = 1) -> None:
    """The public square of an author's photo; safe to run twice (the same
    name is overwritten) and only while the profile still has this photo."""
    from .images import make_avatar
    from .models import AuthorProfile

    profile = AuthorProfile.objects.filter(pk=author_id).first()
    if profile is None or profile.photo.name != photo_name:
        return
    name = _or_again(
        lambda: make_avatar(profile.photo),
        make_author_photo,
        (author_id, photo_name),
        attempt,
    )
    if name is None:
        return
    # update() sends no signal; the author box is on every page ("site").
    if AuthorProfile.objects.filter(pk=author_id, photo=photo_name).update(
        photo_rendition=name
    ):
        from caching.invalidation import invalidate

        invalidate("site")
