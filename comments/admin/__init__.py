"""The comments app's back office: the moderation queue, the moderators'
lists and the article list's comment columns. Importing the package
registers them."""

from . import articles, comment, policy  # noqa: F401  (registers the admins)
from .comment import CommentAdmin

__all__ = ["CommentAdmin"]
