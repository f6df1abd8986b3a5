"""Benchmarks of the engines against the peer libraries named in the issues (``symflat bench NAME``)."""
