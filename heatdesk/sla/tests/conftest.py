"""The policy tests use the supervision tests' fixtures (tickets through the real services, users)."""

from heatdesk.supervision.tests.conftest import act, escalate_after, make_ticket, users

__all__ = ["act", "escalate_after", "make_ticket", "users"]
