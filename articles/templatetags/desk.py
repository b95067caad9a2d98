"""The editorial desk on the admin's front page: what waits for whom."""

from django import template
from django.utils import timezone

from articles.models import Article, can_publish

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
    return {
        "show": True,
        "everyone": everyone,
        "mine": Article.objects.desk(user, everyone=False, limit=5),
        "desk": Article.objects.desk(user, everyone=True) if everyone else None,
        "now": timezone.now(),
        "time_zone": timezone.get_current_timezone_name(),
    }
