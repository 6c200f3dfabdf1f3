"""Development tools shared by the test suite (tests/) and the benchmarks (bench/): the fake Stripe,
loopback ports, how we launch Debian's Chromium. Not part of the app: app/ never imports them, and
they import nothing from tests/ or bench/."""
