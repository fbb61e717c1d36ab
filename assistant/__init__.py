"""agenda-regie: the product, in layers (docs/architecture.md).

cli -> web | worker -> bootstrap -> app -> accounts | mail | render -> store -> core; imports
run `assistant -> {connectors, rules}`, never back, and `scripts/check` enforces it.
"""

__version__ = "0.1.0"
