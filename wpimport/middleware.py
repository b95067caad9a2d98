from django.http import HttpResponsePermanentRedirect
from django.utils.encoding import iri_to_uri

from articles.models import Article


class LegacyRedirectMiddleware:
    """Old WordPress links of imported articles answer 301 to the new address:
    "/?p=<id>" before the home page handles it, pretty paths when they 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        post_id = request.GET.get("p", "") if request.path == "/" else ""
        if post_id.isdigit():
            redirect = self._redirect(f"/?p={int(post_id)}")
            if redirect is not None:
                return redirect
        response = self.get_response(request)
        if response.status_code == 404:
            redirect = self._redirect(request.path)
            if redirect is not None and redirect.url != iri_to_uri(request.path):
                return redirect
        return response

    @staticmethod
    def _redirect(old_path: str):
        """A 301 to the article, only once it is published (old links of
        drafts and scheduled stories reveal nothing)."""
        if "\x00" in old_path or len(old_path) > 500:
            return None  # cannot be a stored address (and PostgreSQL refuses NUL)
        article = (
            Article.objects.published()
            .filter(legacy_redirects__old_path=old_path)
            .only("pk", "slug", "pub_date")
            .first()
        )
        if article is None:
            return None
        return HttpResponsePermanentRedirect(article.get_absolute_url())
