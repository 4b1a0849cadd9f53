"""The `invoicebot` command line: one module per command group, each registered here."""

from __future__ import annotations

from bot.cli import (
    admin,
    data,
    digest,
    invoices,
    issuing,
    money,
    ops,
    payments,
    people,
    reading,
    recurring,
    service,
    tasks,
)
from bot.cli.root import main

for _module in (service, reading, invoices, issuing, recurring, payments, money, tasks, digest, people, data, ops, admin):
    for _command in _module.COMMANDS:
        main.add_command(_command)
for _command in ops.DB_COMMANDS:
    admin.db.add_command(_command)

__all__ = ["main"]
