"""The editorial desk on the admin's front page: what waits for whom."""

from django import template
from django.utils import timezone

from articles.library import stories_with_expired_images
from articles.models import Article, LibraryImage, can_publish

register = template.Library()


@register.inclusion_tag("admin/articles/desk.html", takes_context=True)
def desk_dashboard(context):
    """My drafts, in review (with age), scheduled (with times), recently
    published; editors see everyone's, journalists their own."""
    request = context["request"]
    user = request.user
    if not user.has_perm("articles.view_article"):
        return {"show": False}
    everyone = can_publish(user)
    mine = Article.objects.desk(user, everyone=False, limit=5)
    desk = Article.objects.desk(user, everyone=True) if everyone else None
    # Stories showing a picture whose licence has run out are flagged: one
    # query for the pictures of the stories listed.
    listed = [
        article
        for lists in (mine, desk or {})
        for entry in lists.values()
        for article in entry["items"]
    ]
    shown = {key for article in listed for key in article.image_keys}
    expired = (
        set(
            LibraryImage.objects.expired()
            .filter(key__in=shown)
            .values_list("key", flat=True)
        )
        if shown
        else set()
    )
    for article in listed:
        article.expired_picture = bool(expired & set(article.image_keys))
    return {
        "show": True,
        "everyone": everyone,
        "mine": mine,
        "desk": desk,
        "expired_published": stories_with_expired_images().count() if everyone else 0,
        "now": timezone.now(),
        "time_zone": timezone.get_current_timezone_name(),
    }
