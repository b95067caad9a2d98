"""Pagination without COUNT(*): listings of 100,000 articles must not count
them on every request. A page fetches one row more than it shows to know
whether an older page exists."""

from django.core.paginator import InvalidPage
from django.http import Http404


class WindowPage:
    def __init__(self, items, number, has_next):
        self.object_list = items
        self.number = number
        self._has_next = has_next
        self.paginator = None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


MAX_PAGE = 10_000


def window_page(queryset, page: str | int | None, per_page: int) -> WindowPage:
    """One page of `queryset`; 404 for page numbers that are not positive
    integers or lie past the end."""
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        raise Http404("Invalid page number") from None
    if number < 1 or number > MAX_PAGE:
        raise Http404("Invalid page number")
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    if number > 1 and not rows:
        raise Http404("No such page")
    return WindowPage(rows[:per_page], number, len(rows) > per_page)


__all__ = ["InvalidPage", "WindowPage", "window_page"]
