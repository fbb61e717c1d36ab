"""agenda-regie: the product.

The pure core (indicators, buffers, proposals, review) takes frozen dataclasses and a `now` and
returns frozen dataclasses; it imports no shell, SDK, HTTP or database code. The shells around it
(cli, render, service) do the I/O. Imports run `assistant -> {connectors, rules}`, never back.
"""

__version__ = "0.1.0"
