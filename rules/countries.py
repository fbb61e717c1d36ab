"""What the holidays package knows of countries and their subdivisions, asked lazily: the
rule check needs it only when a rule file names a holiday country.

The package loads a country's module on first use, but importing any one of them runs
`holidays.countries`' own `__init__`, which imports all 250 (a quarter of a second, most of a
cold review's holiday cost). `load_country` imports the one module a country needs and nothing
else; `holidays.country_holidays` and `getattr(holidays, code)` then find it loaded."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from functools import cache

_PACKAGE = "holidays.countries"


@cache
def holiday_countries() -> frozenset[str]:
    """The countries (and aliases) the holidays package knows, from its registry: without
    loading each country's module, which takes a quarter of a second. Asked once per process
    (each leader's rules check their country against it)."""
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes())


def subdivisions(country: str) -> list[str]:
    """The subdivisions of one country the holidays package knows (only its module loaded)."""
    import holidays

    load_country(country)
    return list(getattr(holidays, country).subdivisions)


def load_country(code: str) -> None:
    """Import the holidays package's module of the country `code` (e.g. "NL", "NLD") alone.

    An unknown code loads nothing (the package's own lookup then says it is unknown). The
    package `holidays.countries` is stood in for by an empty shell of itself while the module
    loads (a module imports its siblings by their full names, never through the package), and
    taken away after: a later `import holidays.countries` runs the real one, which finds the
    modules already loaded. Under the package's own import lock, as its lazy loader imports."""
    try:
        from holidays.registry import COUNTRIES, IMPORT_LOCK

        module = next((m for m, names in COUNTRIES.items() if code in names[1:]), None)
    except (ImportError, AttributeError, TypeError, IndexError):
        # Another release of the package keeps its registry otherwise: let it load as it does.
        return
    if module is None:
        return
    name = f"{_PACKAGE}.{module}"
    with IMPORT_LOCK:
        if name in sys.modules:
            return
        if _PACKAGE in sys.modules:  # the whole package is loaded already
            importlib.import_module(name)
            return
        spec = importlib.util.find_spec(_PACKAGE)
        if spec is None:  # pragma: no cover - the package always has it
            return
        shell = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE] = shell
        try:
            importlib.import_module(name)
        finally:
            if sys.modules.get(_PACKAGE) is shell:
                del sys.modules[_PACKAGE]
