"""scrubber: remove API keys (keeping their identifying prefix) and customer PII from text."""

from .engine import Scrubber, scan, scrub
from .errors import (
    ConfigError,
    Problem,
    RulePackError,
    ScanError,
    ScanTimeout,
    ScrubberError,
)
from .model import Finding, Policy, ScrubResult, Severity
from .operators import RestoreError, restore
from .packs import Rule, RuleSet, load_rules
from .policyfile import PolicyFileError, load_policy

__version__ = "0.1.0.dev0"

__all__ = (
    "ConfigError",
    "Finding",
    "Policy",
    "PolicyFileError",
    "Problem",
    "RestoreError",
    "Rule",
    "RulePackError",
    "RuleSet",
    "ScanError",
    "ScanTimeout",
    "ScrubResult",
    "Scrubber",
    "ScrubberError",
    "Severity",
    "__version__",
    "load_policy",
    "load_rules",
    "restore",
    "scan",
    "scrub",
)
