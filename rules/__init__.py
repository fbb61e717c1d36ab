"""Protection rules that assistants write: schema, defaults, loading and validation.

Imports nothing else of agenda-regie.
"""

from rules.errors import RuleProblem, RulesError
from rules.load import default_rules_text, load_rules
from rules.model import PROPOSAL_KINDS, WEEKDAYS, ClockRange, Comparison, Rules

__all__ = [
    "PROPOSAL_KINDS",
    "WEEKDAYS",
    "ClockRange",
    "Comparison",
    "RuleProblem",
    "Rules",
    "RulesError",
    "default_rules_text",
    "load_rules",
]
