import pytest

from newsletters.models import Newsletter


def ensure_newsletters() -> dict:
    """The two newsletters the migration makes (a transactional test's
    flush removes rows that migrations made)."""
    made = {}
    for slug, name, kind, position in (
        ("morning-briefing", "Morning briefing", "briefing", 1),
        ("breaking-news", "Breaking news", "alerts", 2),
    ):
        made[slug], _ = Newsletter.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "position": position}
        )
    return made


@pytest.fixture
def lists(db):
    return ensure_newsletters()
