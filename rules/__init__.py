"""Protection rules that assistants write: schema, defaults, loading and validation.

Imports nothing else of agenda-regie.
"""

from rules.errors import RuleProblem, RulesError
from rules.load import default_rules_text, load_rules
from rules.model import Rules
from rules.stored import LEADER_IDENTITY, rules_from_json, rules_json
from rules.values import PROPOSAL_KINDS, WEEKDAYS, ClockRange, Comparison

__all__ = [
    "LEADER_IDENTITY",
    "PROPOSAL_KINDS",
    "WEEKDAYS",
    "ClockRange",
    "Comparison",
    "RuleProblem",
    "Rules",
    "RulesError",
    "default_rules_text",
    "load_rules",
    "rules_from_json",
    "rules_json",
]
