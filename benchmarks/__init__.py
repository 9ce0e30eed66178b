"""Performance harness (``make bench``). Not shipped; results go to benchmarks/RESULTS.md.

One module per figure, each measuring the SDK against its anchor in the same run:
``concurrency`` (1), ``waiters`` (2), ``bulk_vs_raw`` (3), ``cheap`` (4), ``startup`` (5),
``port`` (6), and ``bulk`` (throughput by concurrency). ``_common`` holds what they share,
``_stub`` the trivial server, ``_wire`` the request recorder and connection-counting relay;
``bulk_diagnosis`` (run on its own) isolates why the emulator spends more CPU on the SDK's bulk
requests, and ``cheap_diagnosis`` (on its own too) what each layer of a cheap call costs.
"""
