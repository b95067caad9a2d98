"""Who is calling the content API, and how often.

Every request under /api/ passes here before the page cache:
- `Authorization: Bearer <key>` names an API key (api/models.py); any other
  Authorization, or a key that is unknown or revoked, answers 401. The key
  is `request.api_key` (None without one), and a keyed answer is private:
  no shared cache (edge, CDN, the page cache) keeps it.
- Requests a minute are counted per key, and per client address (the
  site's trusted-proxy rule, infra/clientip.py) for requests without a
  valid key; over the limit, 429 with Retry-After.
- A body larger than NEWSROOM_MAX_PUBLIC_REQUEST_BYTES answers 413 unread.
Each refusal is a JSON problem document (RFC 9457)."""

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers

from infra import ratelimit
from infra.clientip import client_ip

from .models import ApiKey

WINDOW = 60


def _json_errors(request, response, problem):
    """A method the route does not take answers a problem document too
    (Django Ninja's own 405 is plain text), with its Allow header."""
    if response.status_code != 405 or "json" in response.get("Content-Type", ""):
        return response
    allowed = response.get("Allow", "")
    answer = problem(
        request,
        405,
        "Method not allowed",
        f"This address takes {allowed or 'other methods'}.",
    )
    if allowed:
        answer["Allow"] = allowed
    return answer


class ApiKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_key = None
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        from .v1 import problem

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.NEWSROOM_MAX_PUBLIC_REQUEST_BYTES
        if length > limit:
            return problem(
                request,
                413,
                "Content too large",
                f"Send at most {limit} bytes in a request's body.",
            )
        address = client_ip(request) or "unknown"
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is not None:
            scheme, _, token = header.partition(" ")
            key = None
            if scheme.lower() == "bearer" and token.strip():
                key = ApiKey.objects.matching(token.strip())
            if key is None:
                # Guessing keys costs the address its requests.
                refused = self._over(request, f"ip:{address}", problem)
                response = refused or problem(
                    request,
                    401,
                    "Unauthorized",
                    "Send an active API key as `Authorization: Bearer <key>`.",
                )
                response["WWW-Authenticate"] = 'Bearer realm="newsroom"'
                return response
            request.api_key = key
            refused = self._over(request, f"key:{key.pk}", problem)
            if refused:
                return refused
            key.used(address)
            response = _json_errors(request, self.get_response(request), problem)
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["Authorization"])
            return response
        refused = self._over(request, f"ip:{address}", problem)
        if refused:
            return refused
        response = _json_errors(request, self.get_response(request), problem)
        patch_vary_headers(response, ["Authorization"])
        return response

    @staticmethod
    def _over(request, bucket: str, problem):
        limit = (
            settings.NEWSROOM_API_KEY_PER_MINUTE
            if bucket.startswith("key:")
            else settings.NEWSROOM_API_ADDRESS_PER_MINUTE
        )
        if limit <= 0:
            return None  # counting off (an edge or balancer limits instead)
        count, wait = ratelimit.count("api", bucket, WINDOW)
        if count <= limit:
            return None
        response = problem(
            request,
            429,
            "Too many requests",
            f"At most {limit} requests a minute; try again in {wait} s.",
        )
        response["Retry-After"] = str(wait)
        return response
