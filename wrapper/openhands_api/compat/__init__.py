"""Drop-in replacements for the two seed scripts people copy, with one compatibility policy.

``OpenHandsV1API`` (:mod:`.v1`, the V1 seed ``openhands_api_v1.py``) and ``OpenHandsAPI`` (:mod:`.v0`,
the V0 seed ``openhands_api.py``) keep the seeds' constructors and method names, so a program
written against a seed runs with only its import changed. Their results support the seeds'
dict-style reads (``x["items"]``, ``x.get(...)``, iteration) and ``json.dumps``: each one is a
read-only ``dict`` of the server's JSON that also carries the typed model
(:class:`~openhands_api._record.Record`). Their wait timeouts are ``WaitTimeoutError`` and
``TimeoutError``. Sync only: the async clients are ``AsyncOpenHandsV1`` and ``AsyncV0Client``.
"""

from .v0 import OpenHandsAPI as OpenHandsAPI
from .v1 import OpenHandsV1API as OpenHandsV1API

__all__ = ["OpenHandsAPI", "OpenHandsV1API"]
