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
    """Make the responsive renditions of an article's featured image.

    Safe to run twice (a worker killed mid-job, the job run again): the
    renditions' names follow from the image's bytes, so a second run
    overwrites the same files; and only while the article still has this
    image (replaced or removed since: nothing is stored)."""
    from caching.invalidation import invalidate

    from .images import delete_renditions, make_renditions
    from .invalidation import article_tags
    from .models import Article

    article = Article.objects.filter(pk=article_id).first()
    if article is None or article.featured_image.name != image_name:
        return
    renditions = _or_again(
        lambda: make_renditions(article.featured_image),
        make_featured_renditions,
        (article_id, image_name),
        attempt,
    )
    if renditions is None:
        return
    with transaction.atomic():
        current = (
            Article.objects.select_for_update()
            .filter(pk=article_id, featured_image=image_name)
            .values_list("featured_image_renditions", flat=True)
            .first()
        )
        if current is None:  # the image changed while they were made
            transaction.on_commit(lambda: delete_renditions(renditions))
            return
        Article.objects.filter(pk=article_id).update(
            featured_image_renditions=renditions
        )
        # update() sends no signal: the page shows the renditions at once.
        invalidate(*article_tags(article_id))
    if current != renditions:
        delete_renditions(current, keep=renditions)


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
