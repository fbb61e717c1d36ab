"""Argument types shared by the command groups: each refuses a bad value in one clear line."""

from __future__ import annotations

import argparse
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.core.review import IsoWeek
from assistant.i18n.operator import tr
from rules.address import plain_address


def week(text: str) -> IsoWeek:
    try:
        return IsoWeek.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr("%(text)r is not an ISO week like 2026-W13", text=text)
        ) from None


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr("%(text)r is not a date like 2026-11-30", text=text)
        ) from None


def email(text: str) -> str:
    # The store keeps history per address; a name here would fail only once the store is read.
    # One plain address: a list would send to all, a CR or LF would end a mail header early.
    address = plain_address(text)
    if address is None:
        raise argparse.ArgumentTypeError(
            tr(
                "%(value)r is not one plain email address (no names, lists or control characters)",
                value=text,
            )
        )
    return address


def zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            tr("%(text)r is not a known IANA time zone (e.g. Europe/Amsterdam)", text=text)
        ) from None
    return text
