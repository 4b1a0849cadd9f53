"""Who calls: a bearer token from the configuration, its scopes, and its rate limit."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.problems import ApiProblem
from invoicing.api_tokens import ApiToken, RateLimiter, Scope, find_token

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer <token>`.")


@dataclass
class Gate:
    """The tokens in force and their rate limits, shared by every request of one process."""

    tokens: tuple[ApiToken, ...]
    limiter: RateLimiter
    #: Seconds on a clock that only goes forward (tests move it by hand).
    now: Callable[[], float] = field(default=time.monotonic)

    def admit(self, credentials: HTTPAuthorizationCredentials | None, scope: Scope) -> ApiToken:
        """Return the calling token; raise `ApiProblem` 401, 403 or 429."""
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
            raise ApiProblem(401, "send an API token: Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"})
        token = find_token(self.tokens, credentials.credentials)
        if token is None:
            raise ApiProblem(401, "this API token is not known", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        wait = self.limiter.wait_seconds(token.name, self.now())
        if wait:
            raise ApiProblem(429, f"too many requests from {token.name}; try again in {wait} s", {"Retry-After": str(wait)})
        if not token.allows(scope):
            raise ApiProblem(403, f"the token {token.name} may not {scope.value}; it has {_scopes(token)}")
        return token


def _scopes(token: ApiToken) -> str:
    return ", ".join(sorted(s.value for s in token.scopes))


def caller(scope: Scope) -> Callable[..., Awaitable[ApiToken]]:
    """Return the dependency that admits a request with a token allowed `scope`."""

    async def admitted(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> ApiToken:
        gate: Gate = request.app.state.gate
        return gate.admit(credentials, scope)

    return admitted


reader = caller(Scope.READ)
writer = caller(Scope.WRITE)
