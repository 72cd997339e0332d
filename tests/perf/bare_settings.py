"""The app's settings with the bare views' URLs (tests/perf/bare_urls.py): the yardsticks the
page and webhook benchmarks measure beside the real thing."""

from hona.settings import *  # noqa: F403

ROOT_URLCONF = "tests.perf.bare_urls"
