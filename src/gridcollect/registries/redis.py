"""The shared registry: one JSON value per digest in Redis, claimed by a Lua script.

A value is either ``{"state": "claimed", "token", "key", "lease_until"}`` or
``{"state": "registered", "location", "key", "size", "registered_at"}``, and both
expire with the dataset's retention. Lease times are Redis server time (``TIME`` inside
the scripts), so workers with skewed clocks still agree on when a lease ran out.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from ..errors import BackendUnavailable, ConfigurationError
from ..model import RegistryEntry
from ..secrets import mask_url, scrub
from . import AlreadyRegistered, Busy, Claimed, ClaimOutcome, PendingClaim, claim_index

CONNECT_TIMEOUT_SECONDS = 3.0
COMMAND_TIMEOUT_SECONDS = 10.0

# KEYS[1] registry key, KEYS[2] index of open claims; ARGV: token, object key, lease
# seconds, ttl milliseconds, owner, token of a claim to supersede (or "").
# Replies {"claimed", abandoned key or ""}, {"registered", raw value} or
# {"busy", key, owner, token}.
# A value that is not ours to read (not JSON, unknown state) is overwritten like an
# expired claim: the registry namespace belongs to gridcollect.
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local raw = redis.call('GET', KEYS[1])
local abandoned = ''
if raw then
  local ok, cur = pcall(cjson.decode, raw)
  if ok and type(cur) == 'table' then
    if cur.state == 'registered' then
      return {'registered', raw}
    end
    if cur.state == 'claimed' then
      -- a retried call (reply lost on the wire) finds its own claim: still ours
      if cur.token == ARGV[1] then
        return {'claimed', ''}
      end
      local lease_until = tonumber(cur.lease_until)
      local superseded = ARGV[6] ~= '' and cur.token == ARGV[6]
      if lease_until and lease_until > now and not superseded then
        return {'busy', tostring(cur.key or ''), tostring(cur.owner or ''),
                tostring(cur.token or '')}
      end
      if type(cur.key) == 'string' then
        abandoned = cur.key
      end
    end
  end
end
local claim = cjson.encode({state = 'claimed', token = ARGV[1], key = ARGV[2],
                            owner = ARGV[5], lease_until = now + tonumber(ARGV[3])})
redis.call('SET', KEYS[1], claim, 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), KEYS[1])
return {'claimed', abandoned}
"""

# KEYS[1] registry key, KEYS[2] index of open claims; ARGV[1] token. Deletes only a
# claim carrying that token.
_RELEASE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, cur = pcall(cjson.decode, raw)
if ok and type(cur) == 'table' and cur.state == 'claimed' and cur.token == ARGV[1] then
  redis.call('ZREM', KEYS[2], KEYS[1])
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS[1] registry key, KEYS[2] index of open claims; ARGV: token, lease seconds.
# Moves the lease of a claim carrying that token to now + lease (server time), keeping
# the value's retention TTL; replies 1, or 0 when the claim is not that token's.
_RENEW = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, cur = pcall(cjson.decode, raw)
if not (ok and type(cur) == 'table' and cur.state == 'claimed' and cur.token == ARGV[1]) then
  return 0
end
local t = redis.call('TIME')
cur.lease_until = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('SET', KEYS[1], cjson.encode(cur), 'PX', ttl)
else
  redis.call('SET', KEYS[1], cjson.encode(cur))
end
redis.call('ZADD', KEYS[2], cur.lease_until, KEYS[1])
return 1
"""


class RedisRegistry:
    """Registry shared by every worker that uses the same Redis database."""

    def __init__(self, client: Any, *, url: str | None = None) -> None:
        import redis

        self._redis = redis
        self._client = client
        kwargs = client.connection_pool.connection_kwargs
        self._password: str | None = kwargs.get("password")
        if kwargs.get("path"):
            self._address = str(kwargs["path"])
        else:
            self._address = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
        self._url = mask_url(url) if url else f"redis://{self._address}/{kwargs.get('db', 0)}"
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)
        # Also run from a lease keeper's timer thread: redis-py clients are thread-safe.
        self._renew = client.register_script(_RENEW)

    @classmethod
    def from_url(cls, url: str) -> RedisRegistry:
        """Connect lazily to ``redis://[user:password@]host:port/db`` (or ``rediss://``)."""
        try:
            import redis
            from redis.backoff import ExponentialBackoff
            from redis.retry import Retry
        except ImportError:
            raise ConfigurationError(
                "the Redis registry needs redis-py: pip install 'gridcollect[redis]'"
            ) from None
        try:
            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                socket_timeout=COMMAND_TIMEOUT_SECONDS,
                # A couple of quick reconnects ride out a blip; every command is idempotent.
                retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), retries=2),
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"bad Redis URL {mask_url(url)}: {scrub(str(exc), url)}"
            ) from None
        return cls(client, url=url)

    def claim(
        self,
        name: str,
        *,
        key: str,
        lease_seconds: float,
        ttl_seconds: float,
        owner: str = "",
        supersede: str | None = None,
    ) -> ClaimOutcome:
        token = uuid.uuid4().hex
        reply = self._call(
            "claim",
            self._claim,
            keys=[name, claim_index(name)],
            args=[token, key, str(float(lease_seconds)), _ms(ttl_seconds), owner,
                  supersede or ""],
        )
        outcome, detail, *holder = (_text(part) for part in reply)
        if outcome == "registered":
            return AlreadyRegistered(_entry(json.loads(detail)))
        if outcome == "busy":
            return Busy(detail, *holder)
        return Claimed(token=token, abandoned_key=detail or None)

    def register(
        self, name: str, entry: RegistryEntry, *, ttl_seconds: float, token: str | None
    ) -> None:
        # Overwrites whatever is there, our claim or a taker's: the object is stored either
        # way, and the entry says where.
        value = json.dumps({"state": "registered", **entry.as_dict()})

        def write() -> Any:
            transaction = self._client.pipeline(transaction=True)
            transaction.set(name, value, px=_ms(ttl_seconds))
            transaction.zrem(claim_index(name), name)
            return transaction.execute()

        self._call("register", write)

    def release(self, name: str, *, token: str) -> None:
        self._call("release", self._release, keys=[name, claim_index(name)], args=[token])

    def renew(self, name: str, *, token: str, lease_seconds: float) -> bool:
        reply = self._call("renew", self._renew, keys=[name, claim_index(name)],
                           args=[token, str(float(lease_seconds))])
        return int(reply) == 1

    def pending_claims(self, prefix: str, *, limit: int = 1000) -> list[PendingClaim]:
        index = claim_index(prefix + "-")

        def read() -> list[PendingClaim]:
            seconds, micros = self._client.time()
            now = seconds + micros / 1_000_000
            pending = []
            for member in self._client.zrange(index, 0, limit - 1):
                name = _text(member)
                value = _claim_value(self._client.get(name))
                if value is None:  # registered, expired or foreign: no longer open
                    self._client.zrem(index, name)
                    continue
                pending.append(PendingClaim.of(
                    name, str(value.get("key", "")), str(value.get("owner", "")),
                    str(value.get("token", "")),
                    lease_until=float(value.get("lease_until") or 0), now=now,
                ))
            return pending

        result: list[PendingClaim] = self._call("pending claims", read)
        return result

    def lookup(self, name: str) -> RegistryEntry | None:
        raw = self._call("lookup", self._client.get, name)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(value, dict) or value.get("state") != "registered":
            return None
        return _entry(value)

    def entries(self, prefix: str) -> Iterator[tuple[str, RegistryEntry]]:
        """Registered entries whose name starts with ``prefix`` (for ``status``)."""
        pattern = _glob_escape(prefix) + "*"
        for name in self._call("scan", lambda: list(self._client.scan_iter(pattern, count=500))):
            entry = self.lookup(_text(name))
            if entry is not None:
                yield _text(name), entry

    def ping(self) -> None:
        self._call("ping", self._client.ping)

    def close(self) -> None:
        self._client.close()

    def describe(self) -> str:
        return f"redis registry {self._url}"

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except self._redis.RedisError as exc:
            reason = " ".join(scrub(str(exc), self._password).split()) or type(exc).__name__
            if isinstance(exc, self._redis.AuthenticationError):
                problem = f"Redis at {self._address} refused our credentials"
            elif isinstance(exc, (self._redis.ConnectionError, self._redis.TimeoutError)):
                problem = f"cannot reach Redis at {self._address}"
            else:
                problem = f"Redis at {self._address} failed a {what}"
            raise BackendUnavailable(f"{problem} ({self._url}): {reason}") from None


def _entry(value: dict[str, Any]) -> RegistryEntry:
    return RegistryEntry(
        location=str(value["location"]),
        key=str(value["key"]),
        size=int(value["size"]),
        registered_at=str(value["registered_at"]),
    )


def _claim_value(raw: bytes | None) -> dict[str, Any] | None:
    try:
        value = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return value if isinstance(value, dict) and value.get("state") == "claimed" else None


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
