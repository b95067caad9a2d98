import functools
from html import escape as html_escape

from django import template
from django.http import QueryDict
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy

from articles.images import public_url
from caching import fragments
from infra.siteurl import keyed_query, site_url

register = template.Library()

DEFAULT_SIZES = "(min-width: 992px) 800px, 100vw"


# The site's date formats, by name, in the reader's language. Translators:
# these are Django date formats (https://docs.djangoproject.com/en/stable/
# ref/templates/builtins/#date); a backslash makes a letter literal.
DATE_FORMATS = {
    "date": pgettext_lazy("date format", "N j, Y"),
    "date-time": pgettext_lazy("date and time format", "F j, Y, H:i"),
    "comment": pgettext_lazy("comment date format", "F j, Y \\a\\t H:i"),
}


def time_format(display_format: str) -> str:
    """The date format a {% time %} name (DATE_FORMATS) or Django format
    stands for, in the active language."""
    return str(DATE_FORMATS.get(display_format, display_format))


@functools.lru_cache(maxsize=64)
def _compiled(date_format_string: str) -> tuple[tuple[bool, str], ...]:
    """A Django date format split once into (is a format character, text),
    with django.utils.dateformat's own patterns."""
    pieces = re_formatchars.split(date_format_string)
    return tuple(
        (True, piece) if i % 2 else (False, re_escaped.sub(r"\1", piece))
        for i, piece in enumerate(pieces)
        if piece
    )


def format_date(value, date_format_string: str) -> str:
    """`value` in a Django date format: django.utils.dateformat.format with
    the format string parsed once per process, not once per date (a thread
    of 50 comments formats 50 dates)."""
    formatter = DateFormat(value)
    return "".join(
        str(getattr(formatter, piece)()) if is_code else piece
        for is_code, piece in _compiled(date_format_string)
    )


def time_element(value, date_format_string: str) -> str:
    """<time> for `value`: shown in `date_format_string`, with a
    machine-readable datetime to the second (HTML allows at most three
    fraction digits; Python's isoformat writes six)."""
    local = timezone.localtime(value)
    shown = html_escape(format_date(local, date_format_string))
    return mark_safe(
        f'<time datetime="{local.isoformat(timespec="seconds")}">{shown}</time>'
    )


@register.simple_tag
def time(value, display_format):
    """<time> for `value`, shown in `display_format` (a name in DATE_FORMATS,
    or Django's date format)."""
    if not value:
        return ""
    return time_element(value, time_format(display_format))


@register.simple_tag
def card_image(article, sizes=DEFAULT_SIZES, css_class="card-img-top", lazy=True):
    """A listing's picture of a story: its featured image; else the first
    image of its body (the site's own); else a box of the same shape with
    the story's section, so a grid of cards stays even."""
    if article.featured_image:
        return responsive_image(article, sizes, css_class, lazy, crop="card")
    image = article.body_image or {}
    if image.get("src"):
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" class="{}" '
            'loading="{}" decoding="async">',
            image["src"],
            image.get("alt", ""),
            image.get("width", ""),
            image.get("height", ""),
            css_class,
            "lazy" if lazy else "eager",
        )
    return format_html(
        '<div class="{} card-img-none" aria-hidden="true"><span>{}</span></div>',
        css_class,
        article.section.name if article.section_id else "",
    )


def _srcset(entries):
    return ", ".join(f"{public_url(name)} {width}w" for name, width in entries)


@register.simple_tag
def story_lang(article):
    """` lang=".." dir=".."` for a story's own words (headline, standfirst)
    shown in a page of another language: an Arabic headline in an English
    listing reads right to left. Nothing when the languages match."""
    if article.language == translation.get_language():
        return ""
    return format_html(' lang="{}" dir="{}"', article.language, article.text_direction)


@register.simple_tag
def responsive_image(
    article, sizes=DEFAULT_SIZES, css_class="img-fluid", lazy=True, crop=None
):
    """<picture> with WebP and original-format srcsets, width/height and alt;
    cropped around the picture's focal point as `crop` (articles.images.CROPS:
    "card" in listings) once that crop is made.

    Uses the renditions stored on the article, so rendering touches no files.
    """
    if not article.featured_image:
        return ""
    loading = "lazy" if lazy else "eager"
    renditions = article.featured_image_renditions or {}
    if not renditions.get("fallback"):
        # Being made by a worker: a plain box of the image's size (no
        # layout shift when it comes), never the upload itself (its EXIF and
        # GPS data stay private).
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" class="{} '
            'image-placeholder" loading="{}">',
            static("img/placeholder.svg"),
            article.featured_image_alt,
            article.featured_image_width or "",
            article.featured_image_height or "",
            css_class,
            loading,
        )
    if crop and crop in renditions.get("crops", {}):
        renditions = renditions["crops"][crop]
    fallback = renditions["fallback"]
    largest = fallback[-1]
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" '
        'class="{}" loading="{}" decoding="async"></picture>',
        _srcset(renditions["webp"]),
        sizes,
        public_url(largest[0]),
        _srcset(fallback),
        sizes,
        renditions["width"],
        renditions["height"],
        article.featured_image_alt,
        css_class,
        loading,
    )


@register.simple_tag(takes_context=True)
def absolute(context, url):
    """`url` as a full address at the site's own (media may already be on
    another origin)."""
    return site_url(url, context["request"])


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This listing's own address: the site's, its path and page number,
    nothing else a visitor put in the query (the page may be cached)."""
    request = context["request"]
    return site_url(request.path, request, query=keyed_query(request, ["page"]))


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current listing's URL with ?page=number. Only the parameters the
    page cache keys on are kept (anything else a visitor added would be
    stored in the cached page for every reader), and on a page never cached
    those named in `page_params` (the search's "q")."""
    request = context["request"]
    query = QueryDict(keyed_query(request), mutable=True)
    for name in context.get("page_params", "").split():
        query.setlist(name, request.GET.getlist(name))
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
    first = format_html_join(", ", "{}", ((x,) for x in links[:-1]))
    # Translators: the last two names of a byline, "A, B and C".
    return format_html(gettext("{names} and {last}"), names=first, last=links[-1])


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, tags, vary):
        self.nodelist = nodelist
        self.name = name
        self.tags = tags
        self.vary = vary

    def render(self, context):
        tags = self.tags.resolve(context)
        if not tags:  # e.g. a preview: never cached
            return self.nodelist.render(context)
        request = context["request"]
        key = fragments.fragment_key(
            self.name.resolve(context),
            tags.split(","),
            request.scheme,
            request.get_host(),
            *(v.resolve(context) for v in self.vary),
        )
        return fragments.get_or_render(key, lambda: self.nodelist.render(context))


@register.tag
def fragment(parser, token):
    """{% fragment "name" tags [vary ...] %}…{% endfragment %}: the block,
    cached under the versions of `tags` (comma-separated, e.g.
    "article:7,lists,site"; empty = not cached) and the request's host, plus
    any `vary` values. Whatever it shows must depend on nothing else."""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError(
            "{% fragment %} needs a name and the tags it depends on"
        )
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    name, tags, *vary = (parser.compile_filter(b) for b in bits[1:])
    return FragmentNode(nodelist, name, tags, vary)
