"""Performance harness (``make bench``). Not shipped; results go to benchmarks/RESULTS.md."""
