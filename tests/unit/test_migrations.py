"""The cheap schema check knows the newest migration."""

from invoicing.db import migrate


def test_head_constant_is_the_newest_migration_script():
    assert migrate.HEAD == migrate.head_revision()
