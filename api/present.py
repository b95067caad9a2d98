"""The API's view of the newsroom's objects: plain data, addresses made
absolute at the site's address, pictures as their public renditions (never
an original: it keeps the camera's EXIF and GPS data), comments without
e-mail or address. What readers see, and nothing else."""

from articles.images import public_url
from articles.models import Article, ArticleAuthor, AuthorProfile, Section, Tag
from infra.siteurl import site_url


def section(item: Section | None, request) -> dict | None:
    if item is None:
        return None
    return {
        "id": item.pk,
        "name": item.name,
        "slug": item.slug,
        "url": site_url(item.get_absolute_url(), request),
        "description": item.description,
    }


def tag(item: Tag, request) -> dict:
    return {
        "id": item.pk,
        "name": item.name,
        "slug": item.slug,
        "url": site_url(item.get_absolute_url(), request),
    }


def author(item: AuthorProfile, request, *, full: bool = True) -> dict:
    data = {
        "id": item.pk,
        "name": item.display_name,
        "slug": item.slug,
        "url": site_url(item.get_absolute_url(), request),
    }
    if full:
        data.update(
            job_title=item.job_title,
            bio=item.bio,
            photo=site_url(item.photo_url, request) if item.photo_url else None,
            website=item.website or None,
            twitter=item.twitter or None,
            linkedin=item.linkedin or None,
        )
    return data


def _files(entries, kind: str, request) -> list[dict]:
    return [
        {"url": site_url(public_url(name), request), "width": width, "type": kind}
        for name, width in entries or []
    ]


def image(article: Article, request) -> dict | None:
    """The featured picture: its renditions (WebP and the original's
    format) and its crops, with this story's alt text, caption and credit.
    None while a worker makes them, or without a picture."""
    renditions = article.featured_image_renditions or {}
    fallback = renditions.get("fallback")
    if not fallback:
        return None
    kind = renditions.get("fallback_type", "image/jpeg")
    largest, width = fallback[-1]
    crops = {}
    for name, crop in (renditions.get("crops") or {}).items():
        crop_name, crop_width = crop["fallback"][-1]
        crops[name] = {
            "url": site_url(public_url(crop_name), request),
            "width": crop_width,
            "height": round(crop_width * crop["height"] / crop["width"]),
            "sizes": _files(crop.get("webp"), "image/webp", request)
            + _files(crop.get("fallback"), kind, request),
        }
    return {
        "url": site_url(public_url(largest), request),
        "width": width,
        "height": round(width * renditions["height"] / renditions["width"]),
        "type": kind,
        "alt": article.featured_image_alt,
        "caption": article.featured_image_caption,
        "credit": article.featured_image_credit,
        "sizes": _files(renditions.get("webp"), "image/webp", request)
        + _files(fallback, kind, request),
        "crops": crops,
    }


def bylines(article: Article) -> list[AuthorProfile]:
    """The story's authors in byline order (prefetched as `bylines`)."""
    return [line.author for line in article.bylines.all()]


BYLINES = ArticleAuthor.objects.select_related("author").order_by("position", "pk")


def story_summary(article: Article, request) -> dict:
    return {
        "id": article.pk,
        "url": site_url(article.get_absolute_url(), request),
        "title": article.title,
        "standfirst": article.standfirst,
        "section": section(article.section, request),
        "authors": [author(a, request, full=False) for a in bylines(article)],
        "language": article.language,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "image": image(article, request),
    }


def story(article: Article, request) -> dict:
    return {
        **story_summary(article, request),
        "authors": [author(a, request) for a in bylines(article)],
        "body_html": article.body,
        "tags": [tag(t, request) for t in article.tags.all()],
        "source": (
            {"name": article.source_name, "url": article.source_url or None}
            if article.source_name
            else None
        ),
        "corrections": [
            {"note": c.note, "created_at": c.created_at}
            for c in article.corrections.all()
        ],
        "comments_open": article.comments_open,
        "comment_count": article.comment_count,
    }
