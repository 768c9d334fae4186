"""Scheduled jobs of the command centre (named in ops.schedules)."""

from fangkong.command.snapshot import snapshot_take


def refresh_dashboard_snapshot() -> int:
    """Every 5 minutes: the figures of every node, so that no dashboard request counts a big table."""
    return snapshot_take().pk


def send_daily_report():
    from fangkong.command.reports.jobs import send_daily_report as send

    return send()


def generate_review_pack():
    from fangkong.command.review.jobs import generate_review_pack as generate

    return generate()
