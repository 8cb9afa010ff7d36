"""Field maps for help-desk exports: Zendesk, Freshdesk, Help Scout, Intercom, Jira.

Every string leaf of an exported ticket is scrubbed; a vendor's map only marks
which fields hold HTML (text nodes and attributes scrubbed, markup kept) or Jira
ADF documents, and which fields are known-safe ids, enums and timestamps. An
exemption list that misses a new vendor field therefore over-scrubs, never leaks.
Attachment names and URLs are scrubbed as text; attachment contents are not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .fields import FieldMap

COMMON_EXEMPT = ("id", "*_id", "*_ids", "*_at", "created", "updated", "status", "priority",
                 "type", "state", "locale", "time_zone", "timezone", "size", "content_type",
                 "mimeType", "number", "version", "public", "spam", "deleted", "read")

VENDORS: Mapping[str, FieldMap] = MappingProxyType({
    "zendesk": FieldMap(
        html=("html_body", "*.html_body"),
        exempt=(*COMMON_EXEMPT, "channel", "rel", "is_public", "has_incidents",
                "allow_channelback", "allow_attachments", "inline", "width", "height"),
    ),
    "freshdesk": FieldMap(
        html=("description", "body", "*.description", "*.body"),
        exempt=(*COMMON_EXEMPT, "source", "fr_escalated", "is_escalated", "incoming",
                "private", "due_by", "fr_due_by", "nr_due_by"),
    ),
    "helpscout": FieldMap(
        html=("threads.*.body", "_embedded.threads.*.body", "*.threads.*.body", "body"),
        exempt=(*COMMON_EXEMPT, "folderId", "mailboxId", "assignTo", "closedBy",
                "userUpdatedAt", "createdAt", "closedAt", "waitingSince*", "imported"),
    ),
    "intercom": FieldMap(
        html=("source.body", "conversation_parts.conversation_parts.*.body", "*.body"),
        exempt=(*COMMON_EXEMPT, "waiting_since", "snoozed_until", "redacted", "open",
                "delivered_as", "part_type", "priority"),
    ),
    "jira": FieldMap(
        adf=("fields.description", "fields.environment", "fields.comment.comments.*.body",
             "comments.*.body", "body"),
        exempt=(*COMMON_EXEMPT, "key", "expand", "statusCategory", "issuetype", "accountType",
                "timeSpentSeconds", "progress", "workratio", "votes", "watches"),
    ),
})


def vendor_map(name: str) -> FieldMap:
    """The field map of a vendor (one of ``VENDORS``)."""
    try:
        return VENDORS[name]
    except KeyError:
        raise ValueError(f"unknown export {name!r}; one of {', '.join(VENDORS)}") from None
