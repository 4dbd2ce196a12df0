"""Fault tests (issue #31): kill -9 of a serving replica, PostgreSQL restarted mid-traffic, a full disk
under the audit spool, a corrupted model artefact at reload. Each asserts the promise: decisions fail
closed (REFUSE / ESCALATE, 503 while the database is away) and no audit record is lost or half-written.

``CuttableProxy`` (tests/faults/proxy.py) is the database fault: a TCP proxy in front of PostgreSQL whose
connections can be cut and refused, as a network partition or a server restart would.
"""

from tests.faults.proxy import CuttableProxy as CuttableProxy
