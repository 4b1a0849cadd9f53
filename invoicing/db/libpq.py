"""How a SQLAlchemy PostgreSQL URL becomes the environment of `pg_dump` and `pg_restore`.

The password goes into `PGPASSWORD`, never onto a command line (where `ps` shows it to every
user of the machine) nor into a message. What the URL leaves out, libpq takes from the caller's
own `PG*` variables and `~/.pgpass`, as psycopg does for the service.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

#: URL query parameters libpq also takes from the environment, and the variable for each.
_QUERY_VARIABLES = {
    "host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME", "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "gssencmode": "PGGSSENCMODE", "channel_binding": "PGCHANNELBINDING",
}  # fmt: skip


class UnsupportedUrl(ValueError):
    """The URL says something libpq's environment cannot carry."""


def libpq_env(url: URL) -> dict[str, str]:
    """Return the `PG*` variables that point libpq's tools at the database of `url`."""
    if url.get_backend_name() != "postgresql":
        raise UnsupportedUrl(f"not a PostgreSQL URL: {url.render_as_string(hide_password=True)}")
    env: dict[str, str] = {}
    for part, variable in ((url.host, "PGHOST"), (url.port, "PGPORT"), (url.username, "PGUSER"),
                           (url.password, "PGPASSWORD"), (url.database, "PGDATABASE")):  # fmt: skip
        if part not in (None, ""):
            env[variable] = str(part)
    for key, value in url.query.items():
        variable = _QUERY_VARIABLES.get(key)
        if variable is None:
            raise UnsupportedUrl(f"the URL parameter {key!r} cannot be passed to pg_dump or pg_restore")
        if not isinstance(value, str):
            raise UnsupportedUrl(f"the URL parameter {key!r} is given more than once")
        env[variable] = value
    return env

