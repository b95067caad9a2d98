from django.utils.functional import SimpleLazyObject

from infra import sqlcache
from infra.context_processors import admin_user_with

from .models import Section


def _sections():
    return Section.objects.all()


def navigation(request):
    """Sections for the site navigation; queried only when a page renders it,
    and at most once per request (the home page's section blocks reuse it)."""
    sections = getattr(request, "_nav_sections", None)
    if sections is None:
        sections = SimpleLazyObject(
            lambda: sqlcache.fetch(
                _sections, model=Section, columns=sqlcache.columns_of(Section)
            )
        )
        request._nav_sections = sections
    return {"nav_sections": sections}


def desk_counts(request):
    """ "3 in review, 2 scheduled" beside Articles in the admin's navigation
    (everyone's for editors, their own for journalists); counted only when
    a page shows it."""
    if not admin_user_with(request, "articles.view_article"):
        return {}
    user = request.user

    def label() -> str:
        from .models import Article, can_publish

        articles = Article.objects.all()
        if not can_publish(user):
            articles = articles.involving(user)
        review = articles.filter(status=Article.Status.IN_REVIEW).count()
        return f"{review} in review, {articles.scheduled().count()} scheduled"

    return {"desk_counts": SimpleLazyObject(label)}
