"""The media library's grid (admin/articles/libraryimage/change_list.html)."""

from django import template

from articles.images import rendition_of

register = template.Library()


@register.filter
def library_thumbnail(item):
    """(URL, width, height) of a library picture's card crop about 320 px
    wide, or its whole picture; None while a worker makes them."""
    return rendition_of(item.renditions, width=320, crop="card")
