"""Demo comments on the lead article: a thread with replies, plus pending
and spam ones for the moderation queue; only into a database with no comments."""

from datetime import timedelta

from django.db import transaction

from articles.models import Article

from .counts import comment_counts_refresh
from .models import Comment, CommentDecision

LEAD_SLUG = "xiaomi-leica-optical-institute"

# (key, parent key, name, email, body, status, minutes after publication)
DEMO_COMMENTS = [
    ("a", None, "Rafael Lima", "rafael@example.com",
     "Leica colour science on Xiaomi phones has been the best thing about the "
     "13 series. Curious what a joint institute adds.", "approved", 30),
    ("b", "a", "Mei Chen", "mei@example.com",
     "Mostly lens design, I think. The software side was already shared.",
     "approved", 55),
    ("c", "b", "Rafael Lima", "rafael@example.com",
     "Fair point. Precision compact lenses is the interesting line.",
     "approved", 70),
    ("d", None, "Tom Becker", "tom@example.com",
     "200 experts and three labs is a serious commitment.\n\nFeb 25 can't come "
     "soon enough.", "approved", 90),
    ("e", None, "Ana Souza", "ana@example.com",
     "Does anyone know if the 14 Ultra will come to Europe?", "pending", 120),
    ("f", "d", "Lee Park", "lee@example.com",
     "See the MWC schedule: https://www.mwcbarcelona.com/", "pending", 130),
    ("g", None, "Cheap Watches", "seo@spam.example",
     "Buy cheap watches http://spam.example http://spam.example/2", "spam", 140),
]  # fmt: skip


def ensure_demo_comments() -> int:
    """Create the demo comments on the demo's lead article, only while the
    database holds no comment at all (never into a live site)."""
    article = Article.objects.filter(slug=LEAD_SLUG).first()
    if article is None or Comment.objects.exists():
        return 0
    created = {}
    with transaction.atomic():
        for key, parent_key, name, email, body, status, minutes in DEMO_COMMENTS:
            parent = created.get(parent_key)
            comment = Comment(
                article=article,
                name=name,
                email=email,
                body=body,
                status=status,
                rule="demo",
                ip=f"192.0.2.{len(created) + 10}",
                user_agent="Demo",
                created_at=article.published_at + timedelta(minutes=minutes),
            )
            comment.reply_to(parent)
            comment.save()
            CommentDecision.objects.create(comment=comment, status=status, rule="demo")
            created[key] = comment
        comment_counts_refresh(full=True)  # the cards' counts
    return len(created)
