"""Settings for benchmarks/arrivals_load.py: the app's settings, with a urlconf that adds the arrivals API and
the baseline view (benchmarks/arrivals_bench_urls.py)."""

from fangkong.settings import *  # noqa: F403

ROOT_URLCONF = "arrivals_bench_urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# The load generator posts from one address far faster than any device: no login lockout or throttling applies
# to API tokens anyway; keep logging quiet so that it measures the work, not the terminal.
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
