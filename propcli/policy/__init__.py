"""Deadline rules as data, calendars, roles."""
from propcli.policy.rules import *  # noqa: F401,F403
from propcli.policy.rules import Deadline, Policy, Rule, WorkCalendar, deadlines, due_at, facts_of, parse_policy, ROLES  # noqa: F401
