"""auditor — audit how a software team works, read from its git repository.

The library call is :func:`audit`; the rule API is :class:`Rule` with
:class:`Finding`, :class:`Evidence` and :class:`Measure`.
"""

__version__ = "0.1.0"

from auditor.model import (  # noqa: E402
    Aspect,
    AuditResult,
    Effort,
    Evidence,
    Finding,
    Measure,
    Outcome,
    Signal,
    Status,
)
from auditor.rule import Rule  # noqa: E402


def audit(*args, **kwargs):
    """Audit a repository; see :func:`auditor.engine.audit`."""
    from auditor.engine import audit as _audit

    return _audit(*args, **kwargs)


__all__ = ["Aspect", "AuditResult", "Effort", "Evidence", "Finding", "Measure", "Outcome", "Rule", "Signal",
           "Status", "audit", "__version__"]
