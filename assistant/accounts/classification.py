"""The leader's classification options, as every path that classifies events takes them.

Titles are read once, at ingestion, and dropped; so a calendar is classified with the leader's
effective rules at every sync, and a change of those options makes the next sync a full one
(`fingerprint`).
"""

from __future__ import annotations

import hashlib
import json

from connectors import ClassifyOptions
from rules import Rules


def classify_options(rules: Rules, people_key: bytes = b"") -> ClassifyOptions:
    """`people_key`: the key of the people hashes (`people_key_of`); empty, people go uncounted."""
    settings = rules.classification
    return ClassifyOptions(
        reflection_keywords=settings.reflection_keywords,
        out_of_office_keywords=settings.out_of_office_keywords,
        personal_keywords=settings.personal_keywords,
        tentative_counts_as_meeting=settings.tentative_counts_as_meeting,
        exception_organisers=frozenset(rules.exceptions.organisers),
        counterforce_keywords=rules.counterforce.keywords,
        counterforce_people=frozenset(rules.counterforce.people),
        people_key=people_key,
    )


def fingerprint(options: ClassifyOptions) -> str:
    """The same text for the same options, whatever their order of keywords and organisers."""
    data = {
        "reflection": sorted(k.strip().lower() for k in options.reflection_keywords),
        "out_of_office": sorted(k.strip().lower() for k in options.out_of_office_keywords),
        "personal": sorted(k.strip().lower() for k in options.personal_keywords),
        "tentative": options.tentative_counts_as_meeting,
        "organisers": sorted(o.lower() for o in options.exception_organisers),
        "counterforce": sorted(k.strip().lower() for k in options.counterforce_keywords),
        "counterforce_people": sorted(options.counterforce_people),
        # Which key hashed the people (a digest of it, never the key): a new key lists the
        # window again, so one week's people are never hashed with two keys.
        "people_key": hashlib.sha256(options.people_key).hexdigest()[:16]
        if options.people_key
        else "",
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
