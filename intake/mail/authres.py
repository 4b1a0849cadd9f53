"""Whether the receiving server vouches for a mail's `From` domain (RFC 8601
`Authentication-Results`); pure rules, no I/O.

Only the header written by our own receiving server counts: the topmost one whose authserv-id
is the configured trusted one. Anything below it was there when the mail arrived, so the sender
may have written it (RFC 8601 section 5 asks the server to remove such forgeries; taking the
topmost one also holds where a server does not). A sender is vouched for by `dmarc=pass`, or,
unless DMARC failed, by `spf=pass` for an envelope domain aligned with the `From` domain: SPF
alone says nothing about `From`, and an attacker's own domain passes SPF easily.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_COMMENT = re.compile(r"\([^()]*\)")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|;|=|[^\s;="]+')


@dataclass(frozen=True, slots=True)
class MethodResult:
    """One `method=result` of the header, with its `ptype.property=value` pairs."""

    method: str
    result: str
    properties: tuple[tuple[str, str], ...] = ()

    def property(self, name: str) -> str | None:
        """Return the value of property `name` (`smtp.mailfrom`, `header.from`), if given."""
        return next((value for key, value in self.properties if key == name), None)


@dataclass(frozen=True, slots=True)
class AuthResults:
    authserv_id: str
    results: tuple[MethodResult, ...]


def parse_results(value: str) -> AuthResults | None:
    """Return the authserv-id and results of one header value, or None when it has no id."""
    text = value
    while True:  # comments nest: remove the innermost until none is left
        stripped = _COMMENT.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    segments: list[list[str]] = [[]]
    for token in _TOKEN.findall(text):
        if token == ";":
            segments.append([])
        else:
            segments[-1].append(token)
    head = segments[0]
    if not head or head[0] == "=":
        return None
    results = tuple(r for r in (_method_result(s) for s in segments[1:]) if r is not None)
    return AuthResults(head[0].lower(), results)


def _method_result(tokens: list[str]) -> MethodResult | None:
    """Return `method=result` and its properties from the tokens of one resinfo."""
    pairs: list[tuple[str, str]] = []
    i = 0
    while i + 2 < len(tokens):
        key, equals, value = tokens[i : i + 3]
        if equals == "=" and "=" not in (key, value):
            pairs.append((key.lower(), value.strip('"')))
            i += 3
        else:  # a stray token (a value with "=" in it, say): step over it
            i += 1
    if not pairs or "." in pairs[0][0]:
        return None
    method = pairs[0][0].split("/")[0]
    properties = tuple((k, v.lower()) for k, v in pairs[1:] if "." in k)
    return MethodResult(method, pairs[0][1].lower(), properties)


def sender_vouched(headers: Sequence[str], trusted_id: str, sender: str | None) -> str | None:
    """Return None when the trusted server saw DMARC or aligned SPF pass for `sender`'s domain,
    else why not (for the refusal). `headers` are the `Authentication-Results` values, topmost first."""
    trusted = trusted_id.strip().lower()
    ours = next((r for r in map(parse_results, headers) if r is not None and r.authserv_id == trusted), None)
    if ours is None:
        return f"no Authentication-Results from {trusted_id}"
    domain = (sender or "").rpartition("@")[2].lower()
    if not domain:
        return "no sender address"
    dmarc = [r for r in ours.results if r.method == "dmarc"]
    if any(r.result == "pass" and r.property("header.from") in (None, domain) for r in dmarc):
        return None
    # The domain's own policy failed: SPF must not overrule it (a strict alignment, say).
    if not any(r.result == "fail" for r in dmarc):
        for result in ours.results:
            mailfrom = (result.property("smtp.mailfrom") or "").rpartition("@")[2]
            if result.method == "spf" and result.result == "pass" and mailfrom and _aligned(mailfrom, domain):
                return None
    seen = ", ".join(f"{r.method}={r.result}" for r in ours.results) or "no results"
    return f"{trusted_id} found neither DMARC nor aligned SPF passing for {domain} ({seen})"


def _aligned(a: str, b: str) -> bool:
    """Return whether one domain is the other or under it (DMARC's relaxed alignment, without
    the public suffix list: the allow-list names the domains, so the common case is exact)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)
