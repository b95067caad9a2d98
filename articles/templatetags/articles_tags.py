from django import template
from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join

register = template.Library()

DEFAULT_SIZES = "(min-width: 992px) 800px, 100vw"


def _srcset(entries):
    return ", ".join(f"{default_storage.url(name)} {width}w" for name, width in entries)


@register.simple_tag
def responsive_image(article, sizes=DEFAULT_SIZES, css_class="img-fluid", lazy=True):
    """<picture> with WebP and original-format srcsets, width/height and alt.

    Uses the renditions stored on the article, so rendering touches no files.
    """
    if not article.featured_image:
        return ""
    loading = "lazy" if lazy else "eager"
    renditions = article.featured_image_renditions or {}
    if not renditions.get("fallback"):
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" class="{}" loading="{}">',
            article.featured_image.url,
            article.featured_image_alt,
            article.featured_image_width or "",
            article.featured_image_height or "",
            css_class,
            loading,
        )
    fallback = renditions["fallback"]
    largest = fallback[-1]
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" '
        'class="{}" loading="{}" decoding="async"></picture>',
        _srcset(renditions["webp"]),
        sizes,
        default_storage.url(largest[0]),
        _srcset(fallback),
        sizes,
        renditions["width"],
        renditions["height"],
        article.featured_image_alt,
        css_class,
        loading,
    )


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current URL with ?page=number, other query parameters kept."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.simple_tag
def byline(authors):
    """Author names linked to their pages: "A, B and C"."""
    links = [
        format_html('<a href="{}">{}</a>', a.get_absolute_url(), a.display_name)
        for a in authors
    ]
    if len(links) <= 1:
        return links[0] if links else ""
    return format_html(
        "{} and {}", format_html_join(", ", "{}", ((x,) for x in links[:-1])), links[-1]
    )
