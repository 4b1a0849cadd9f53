"""API tokens and their rate limits: who may call the HTTP API, for what, and how often.

Pure: parsing the configured tokens, finding the one a request presents (in constant time),
and a token bucket per token that is told the time. Tokens come from `INVOICEBOT_API_TOKENS`
(`name:scope[,scope]:token;...`) or a TOML table (`[api.tokens.NAME] scopes = [...]`,
`token = "..."`); a token may be given as `sha256:<hex>` of itself, so that the file holds no
usable secret.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


class InvalidTokens(ValueError):
    """The configured API tokens cannot be read; the message says which and why."""


_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
#: A token shorter than this is refused: guessing it must not be feasible.
MIN_TOKEN_LENGTH = 24
_HASHED = re.compile(r"^sha256:([0-9a-fA-F]{64})$")


@dataclass(frozen=True, slots=True)
class ApiToken:
    #: Who calls (an accounting system, a web form): audited as `api:<name>`.
    name: str
    scopes: frozenset[Scope]
    #: SHA-256 of the token: what is kept in memory and compared.
    digest: bytes = field(repr=False)

    @property
    def actor(self) -> str:
        """Return the audit actor of calls made with this token."""
        return f"api:{self.name}"

    def allows(self, scope: Scope) -> bool:
        # Writing implies reading what was written: a write token may read too.
        return scope in self.scopes or (scope is Scope.READ and Scope.WRITE in self.scopes)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def make_token(name: str, scopes: Iterable[str], secret: str) -> ApiToken:
    """Return the token `name` with `scopes`, checked; `secret` is the token or `sha256:<hex>`."""
    if not _NAME.match(name):
        raise InvalidTokens(f"API token name {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    try:
        wanted = frozenset(Scope(s.strip().lower()) for s in scopes if s.strip())
    except ValueError:
        raise InvalidTokens(f"API token {name}: scopes are read and write, not {', '.join(scopes)}") from None
    if not wanted:
        raise InvalidTokens(f"API token {name}: give at least one scope (read, write)")
    secret = secret.strip()
    hashed = _HASHED.match(secret)
    if hashed:
        return ApiToken(name, wanted, bytes.fromhex(hashed.group(1)))
    if len(secret) < MIN_TOKEN_LENGTH:
        raise InvalidTokens(f"API token {name}: the token must have at least {MIN_TOKEN_LENGTH} characters")
    return ApiToken(name, wanted, _digest(secret))


def parse_tokens(value: str | Mapping[str, object] | Iterable[ApiToken] | None) -> tuple[ApiToken, ...]:
    """Return the tokens configured as `name:scope[,scope]:token;...` or as a table by name."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        tokens = [_from_text(part) for part in value.split(";") if part.strip()]
    elif isinstance(value, Mapping):
        tokens = [_from_table(str(name), entry) for name, entry in value.items()]
    else:
        tokens = list(value)
    names = [t.name for t in tokens]
    if len(set(names)) != len(names):
        raise InvalidTokens("API token names must be unique")
    digests = [t.digest for t in tokens]
    if len(set(digests)) != len(digests):
        raise InvalidTokens("two API tokens share the same secret")
    return tuple(tokens)


def _from_text(part: str) -> ApiToken:
    name, colon, rest = part.strip().partition(":")
    scopes, colon2, secret = rest.partition(":")
    if not (colon and colon2 and secret):
        raise InvalidTokens(f"API token {name or '?'}: write it as name:scope[,scope]:token")
    return make_token(name.strip(), scopes.split(","), secret)


def _from_table(name: str, entry: object) -> ApiToken:
    if not isinstance(entry, Mapping) or "token" not in entry:
        raise InvalidTokens(f"API token {name}: the table needs `token` and `scopes`")
    scopes = entry.get("scopes", [])
    if isinstance(scopes, str):
        scopes = scopes.split(",")
    if not isinstance(scopes, list | tuple):
        raise InvalidTokens(f"API token {name}: scopes is a list such as [\"read\", \"write\"]")
    return make_token(name, [str(s) for s in scopes], str(entry["token"]))


def find_token(tokens: Iterable[ApiToken], presented: str) -> ApiToken | None:
    """Return the configured token `presented` is, or None.

    Every configured digest is compared, with `hmac.compare_digest`, so the time taken says
    nothing about which token (or how much of one) matched.
    """
    offered = _digest(presented)
    found = None
    for token in tokens:
        if hmac.compare_digest(token.digest, offered):
            found = token
    return found


@dataclass
class TokenBucket:
    """`rate` requests a second on average, bursts of up to `burst`; told the time (seconds)."""

    rate: float
    burst: int
    tokens: float = -1.0
    updated: float = 0.0

    def take(self, now: float) -> float:
        """Spend one request; return 0 when allowed, else the seconds until one is."""
        if self.tokens < 0:
            self.tokens, self.updated = float(self.burst), now
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class RateLimiter:
    """One token bucket per API token name (in this process's memory)."""

    rate: float
    burst: int
    buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def wait_seconds(self, name: str, now: float) -> int:
        """Spend one request of `name`; return 0 when allowed, else whole seconds to wait (>= 1)."""
        bucket = self.buckets.setdefault(name, TokenBucket(self.rate, self.burst))
        wait = bucket.take(now)
        return 0 if wait == 0 else max(1, math.ceil(wait))
