"""Argument types shared by the command groups: each refuses a bad value in one clear line."""

from __future__ import annotations

import argparse
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.core.review import IsoWeek


def week(text: str) -> IsoWeek:
    try:
        return IsoWeek.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def email(text: str) -> str:
    # The store keeps history per address; a name here would fail only once the store is read.
    local, at, domain = text.strip().partition("@")
    if not (at and local and domain):
        raise argparse.ArgumentTypeError(f"{text!r} is not an email address")
    return text.strip()


def zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a known IANA time zone (e.g. Europe/Amsterdam)"
        ) from None
    return text
