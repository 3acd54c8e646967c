"""Speed benchmarks: ``python -m benchmarks`` (or ``make bench``) prints the figures."""
