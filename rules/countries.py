"""What the holidays package knows of countries and their subdivisions, asked lazily: the
rule check needs it only when a rule file names a holiday country."""

from __future__ import annotations


def holiday_countries() -> frozenset[str]:
    """The countries (and aliases) the holidays package knows, from its registry: without
    loading each country's module, which takes a quarter of a second."""
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes())


def subdivisions(country: str) -> list[str]:
    """The subdivisions of one country the holidays package knows (only its module loaded)."""
    import holidays

    return list(getattr(holidays, country).subdivisions)
