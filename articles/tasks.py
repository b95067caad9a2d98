"""Background work for articles (Django's tasks framework; the workers of
`make cluster`, or at once with the immediate backend)."""

from django.db import transaction
from django.tasks import task


@task
def make_featured_renditions(article_id: int, image_name: str) -> None:
    """Make the responsive renditions of an article's featured image.

    Safe to run twice (a worker killed mid-job, the job run again): the
    renditions' names follow from the image's bytes, so a second run
    overwrites the same files; and only while the article still has this
    image (replaced or removed since: nothing is stored)."""
    from .images import delete_renditions, make_renditions
    from .invalidation import article_tags, invalidate
    from .models import Article

    article = Article.objects.filter(pk=article_id).first()
    if article is None or article.featured_image.name != image_name:
        return
    renditions = make_renditions(article.featured_image)
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
def make_author_photo(author_id: int, photo_name: str) -> None:
    """The public square of an author's photo; safe to run twice (the same
    name is overwritten) and only while the profile still has this photo."""
    from .images import make_avatar
    from .models import AuthorProfile

    profile = AuthorProfile.objects.filter(pk=author_id).first()
    if profile is None or profile.photo.name != photo_name:
        return
    name = make_avatar(profile.photo)
    # update() sends no signal; the author box is on every page ("site").
    if AuthorProfile.objects.filter(pk=author_id, photo=photo_name).update(
        photo_rendition=name
    ):
        from .invalidation import invalidate

        invalidate("site")
