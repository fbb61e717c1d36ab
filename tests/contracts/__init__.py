"""One contract suite per protocol of connectors/protocols.py, run for every implementation.

`source`, `incremental` and `writer` hold the suites (classes without a Test prefix); the
test_* modules subclass them once per implementation: memory, iCalendar, Google and Microsoft
(the last two against the fakes of tests/fakes/, through the real client libraries).
"""
