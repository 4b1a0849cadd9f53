"""API tokens: how they are configured, found and rate-limited (pure rules)."""

from __future__ import annotations

import hashlib

import pytest

from invoicing.api_tokens import (
    InvalidTokens,
    RateLimiter,
    Scope,
    TokenBucket,
    find_token,
    parse_tokens,
)
from invoicing.config import ConfigError, load_settings

SECRET = "s3cr3t-token-for-the-erp-0123456789"
OTHER = "another-token-for-the-web-form-98765"


def test_tokens_in_the_environment_form_have_names_and_scopes():
    """GIVEN `name:scope[,scope]:token;...` THEN each token is found by its secret, with its scopes."""
    tokens = parse_tokens(f"erp:read,write:{SECRET}; form:write:{OTHER}")
    erp, form = tokens
    assert (erp.name, erp.scopes, erp.actor) == ("erp", {Scope.READ, Scope.WRITE}, "api:erp")
    assert find_token(tokens, SECRET) is erp and find_token(tokens, OTHER) is form
    assert find_token(tokens, SECRET[:-1]) is None and find_token(tokens, "") is None
    assert form.allows(Scope.READ), "a write token reads what it writes"
    assert not parse_tokens(f"ro:read:{SECRET}")[0].allows(Scope.WRITE)


def test_a_token_may_be_configured_by_its_hash_so_the_file_holds_no_secret():
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    tokens = parse_tokens({"erp": {"scopes": ["read"], "token": f"sha256:{digest}"}})
    assert find_token(tokens, SECRET) is tokens[0]
    assert SECRET not in repr(tokens) and digest not in repr(tokens)


@pytest.mark.parametrize(("text", "why"), [
    ("erp:read:short", "at least 24 characters"),
    (f"erp:admin:{SECRET}", "scopes are read and write"),
    (f"erp::{SECRET}", "at least one scope"),
    (f"erp:{SECRET}", "name:scope"),
    (f"e rp:read:{SECRET}", "letters, digits"),
    (f"erp:read:{SECRET};erp:write:{OTHER}", "unique"),
    (f"a:read:{SECRET};b:write:{SECRET}", "same secret"),
])  # fmt: skip
def test_a_malformed_token_setting_is_refused_with_the_reason(text, why):
    with pytest.raises(InvalidTokens, match=why):
        parse_tokens(text)


def test_settings_read_tokens_from_the_environment_and_the_toml_table(tmp_path, monkeypatch):
    """GIVEN tokens in INVOICEBOT_API_TOKENS or in `[api.tokens.NAME]` THEN the settings hold them;
    a bad one is a ConfigError that never repeats the value given."""
    monkeypatch.setenv("INVOICEBOT_API_TOKENS", f"erp:read:{SECRET}")
    assert [t.name for t in load_settings().api_tokens] == ["erp"]
    monkeypatch.delenv("INVOICEBOT_API_TOKENS")
    config = tmp_path / "invoicebot.toml"
    config.write_text(f'[api]\nport = 9090\n[api.tokens.crm]\nscopes = ["read", "write"]\ntoken = "{OTHER}"\n')
    monkeypatch.setenv("INVOICEBOT_CONFIG", str(config))
    settings = load_settings()
    assert [t.name for t in settings.api_tokens] == ["crm"] and settings.api_port == 9090
    with pytest.raises(ConfigError) as refused:
        load_settings(api_tokens="erp:read:too-short-secret")
    assert "too-short-secret" not in str(refused.value) and "24 characters" in str(refused.value)


def test_a_token_bucket_allows_its_burst_then_the_rate():
    """GIVEN 2 requests a second with bursts of 3 WHEN 4 come at once THEN the 4th waits half a
    second; a second later two more pass."""
    bucket = TokenBucket(rate=2.0, burst=3)
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(100.0) == pytest.approx(0.5)
    assert bucket.take(101.0) == 0.0 and bucket.take(101.0) == 0.0 and bucket.take(101.0) > 0


def test_the_rate_limiter_counts_each_token_apart_and_says_whole_seconds():
    limiter = RateLimiter(rate=0.5, burst=1)
    assert limiter.wait_seconds("erp", 0.0) == 0 and limiter.wait_seconds("form", 0.0) == 0
    assert limiter.wait_seconds("erp", 0.1) == 2  # 1.9 s to wait, said as 2
