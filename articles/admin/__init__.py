"""The articles app's back office: articles, sections, tags, author
profiles, the front page, the audit log and staff accounts. Importing the
package registers them."""

from . import article, audit, front, library, taxonomy, users  # noqa: F401
from .article import ArticleAdmin
from .forms import ArticleAdminForm

__all__ = ["ArticleAdmin", "ArticleAdminForm"]
