"""Mail pipeline: MIME-aware scrubbing of RFC 5322 messages and fail-closed MTA front ends."""

from .message import Hit, MailReport, scrub_message
from .policy import LimitExceeded, Limits, MailError, MailPolicy

__all__ = ("Hit", "LimitExceeded", "Limits", "MailError", "MailPolicy", "MailReport",
           "scrub_message")
