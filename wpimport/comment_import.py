"""The WordPress import, third part: comments, thread by thread."""

import html
import ipaddress
from collections import defaultdict

from articles.models import (
    fit,
)
from comments.models import IMPORTED_RULE, Comment

from .content import comment_text
from .models import ImportedObject
from .wxr import checksum, parse_gmt

Kind = ImportedObject.Kind

COMMENT_STATUS = {
    "1": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REJECTED,
}


class CommentImport:
    """A post's comments; mixed into the Importer (wpimport.services)."""

    @staticmethod
    def _register(comment, cid, comments, comment_ids):
        comments[comment.pk] = comment
        comment_ids[cid] = comment.pk

    def _comment_from_row(self, row, article, label, comments, comment_ids):
        """An unsaved Comment for a WXR comment row. A comment that repeats
        an earlier one is kept: it is on the WordPress site's pages too (the
        duplicate rule is for new submissions, see comments.models)."""
        cid = row.get("wp:comment_id")
        parent = None
        parent_wp = row.get("wp:comment_parent", "0")
        if parent_wp not in ("", "0"):
            parent_pk = comment_ids.get(parent_wp)
            parent = comments.get(parent_pk) if parent_pk else None
            if parent is None:
                self.report.warn(
                    f"comment {cid} on {label}", "parent not imported: top level"
                )
        status = COMMENT_STATUS.get(row.get("wp:comment_approved"), "pending")
        body = comment_text(row.get("wp:comment_content", "")) or "(empty)"
        email = fit(Comment, "email", row.get("wp:comment_author_email", ""))
        comment = Comment(
            article=article,
            name=fit(Comment, "name", html.unescape(row.get("wp:comment_author", "")))
            or "Anonymous",
            email=email,
            body=body,
            status=status,
            rule=IMPORTED_RULE,
            ip=_ip(row.get("wp:comment_author_IP", "")),
            created_at=parse_gmt(row.get("wp:comment_date_gmt")) or article.created_at,
        )
        # Deeper threads than we show attach to the deepest level shown.
        comment.reply_to(parent, parent_of=lambda c: comments.get(c.parent_id))
        return comment

    def _import_comments(self, item, article, label, *, fresh=False):
        """Comments of one post; `fresh`: the post was just created, so none
        of its comments can exist yet."""
        rows = list(item.comments)
        real = []
        for row in rows:
            kind = row.get("wp:comment_type") or "comment"
            if kind in {"pingback", "trackback"}:
                self.report.count(kind + "s", "skipped")
                continue
            real.append(row)
        if not real:
            return
        existing = {}
        if not fresh:
            existing = {
                o.wp_id: o
                for o in ImportedObject.objects.filter(
                    source=self.source,
                    kind=Kind.COMMENT,
                    wp_id__in=[f"{item.id}:{r.get('wp:comment_id')}" for r in real],
                )
            }
        by_id = {r.get("wp:comment_id"): r for r in real}
        depth_of: dict[str, int] = {}

        def depth(cid, seen=()):
            if cid in depth_of:
                return depth_of[cid]
            parent = by_id.get(cid, {}).get("wp:comment_parent", "0")
            d = (
                0
                if parent in ("", "0") or parent not in by_id or cid in seen
                else (depth(parent, (*seen, cid)) + 1)
            )
            depth_of[cid] = d
            return d

        ordered = sorted(
            real,
            key=lambda r: (
                depth(r.get("wp:comment_id")),
                r.get("wp:comment_date_gmt", ""),
            ),
        )
        comment_ids: dict[str, int] = {
            o.wp_id.split(":", 1)[1]: o.object_id for o in existing.values()
        }
        comments: dict[int, Comment] = {}
        if comment_ids:
            comments = {
                c.pk: c for c in Comment.objects.filter(pk__in=comment_ids.values())
            }
        new_records = []
        by_depth: dict[int, list] = defaultdict(list)
        for row in ordered:
            by_depth[depth(row.get("wp:comment_id"))].append(row)
        # One INSERT per thread level: parents always exist before replies.
        for level in sorted(by_depth):
            pending = []
            for row in by_depth[level]:
                cid = row.get("wp:comment_id")
                key = f"{item.id}:{cid}"
                digest = checksum(row)
                record = existing.get(key)
                if (
                    record
                    and record.checksum == digest
                    and record.object_id in comments
                ):
                    self.report.count("comments", "unchanged")
                    continue
                comment = self._comment_from_row(
                    row, article, label, comments, comment_ids
                )
                old = comments.get(record.object_id) if record else None
                if old is not None:
                    comment.pk = old.pk
                    comment.save()
                    self._register(comment, cid, comments, comment_ids)
                    new_records.append((key, comment.pk, digest))
                    self.report.count("comments", "updated")
                else:
                    pending.append((cid, key, digest, comment))
            Comment.objects.bulk_create([c for *_, c in pending])
            for cid, key, digest, comment in pending:
                self._register(comment, cid, comments, comment_ids)
                new_records.append((key, comment.pk, digest))
            if pending:
                self.report.count("comments", "created", len(pending))
        ImportedObject.objects.bulk_create(
            [
                ImportedObject(
                    source=self.source,
                    kind=Kind.COMMENT,
                    wp_id=key,
                    object_id=pk,
                    checksum=digest,
                )
                for key, pk, digest in new_records
            ],
            update_conflicts=True,
            unique_fields=["source", "kind", "wp_id"],
            update_fields=["object_id", "checksum"],
        )


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
