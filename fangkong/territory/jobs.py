"""Scheduled jobs of the territory app."""

from fangkong.territory.tallies import tallies_refresh


def refresh_unit_tallies() -> int:
    return tallies_refresh()
