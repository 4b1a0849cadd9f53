"""A database URL as the environment of pg_dump and pg_restore: the password never on a command line."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from invoicing.db.libpq import UnsupportedUrl, libpq_env


def test_every_part_of_the_url_goes_into_its_libpq_variable():
    """GIVEN a full URL with TLS settings THEN each part lands in its PG* variable."""
    url = make_url("postgresql+psycopg://invoicebot:p%40ss@db.internal:5433/books?sslmode=verify-full"
                   "&sslrootcert=/etc/ca.pem&connect_timeout=5")  # fmt: skip
    assert libpq_env(url) == {
        "PGHOST": "db.internal", "PGPORT": "5433", "PGUSER": "invoicebot", "PGPASSWORD": "p@ss",
        "PGDATABASE": "books", "PGSSLMODE": "verify-full", "PGSSLROOTCERT": "/etc/ca.pem", "PGCONNECT_TIMEOUT": "5",
    }  # fmt: skip


def test_parts_the_url_leaves_out_are_left_to_libpq():
    """GIVEN a URL without password or port THEN no PGPASSWORD or PGPORT is set (libpq then reads
    the caller's own PGPASSWORD or ~/.pgpass, as the service's own connection does)."""
    assert libpq_env(make_url("postgresql+psycopg://invoicebot@db/books")) == {
        "PGHOST": "db", "PGUSER": "invoicebot", "PGDATABASE": "books"}


def test_a_socket_directory_given_as_host_parameter_is_kept():
    env = libpq_env(make_url("postgresql+psycopg://invoicebot@/books?host=/var/run/postgresql"))
    assert env["PGHOST"] == "/var/run/postgresql" and env["PGDATABASE"] == "books"


def test_what_libpq_cannot_take_from_the_environment_is_refused():
    """GIVEN a URL parameter libpq has no variable for, or a SQLite URL THEN a clear error."""
    with pytest.raises(UnsupportedUrl, match="'prepare_threshold'"):
        libpq_env(make_url("postgresql+psycopg://u@h/db?prepare_threshold=0"))
    with pytest.raises(UnsupportedUrl, match="not a PostgreSQL URL"):
        libpq_env(make_url("sqlite:///var/invoicebot.sqlite3"))
