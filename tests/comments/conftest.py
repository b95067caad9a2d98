import pytest

from comments.forms import sign_timestamp


@pytest.fixture(autouse=True)
def _no_min_submit_delay(settings):
    """Tests post at once; the too-fast rule has its own tests."""
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0


@pytest.fixture
def post_comment(client):
    """POST the comment form of `article` with valid defaults."""

    def post(article, *, using=None, follow=False, ip="198.51.100.1", **fields):
        data = {
            "name": "Ana Souza",
            "email": "ana@example.com",
            "body": "Great article!",
            "ts": sign_timestamp(),
            **fields,
        }
        data = {k: v for k, v in data.items() if v is not None}
        return (using or client).post(
            f"/comments/post/{article.pk}/", data, follow=follow, REMOTE_ADDR=ip
        )

    return post
