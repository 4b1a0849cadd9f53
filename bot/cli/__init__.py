"""The `invoicebot` command line: one module per command group, each registered here."""

from __future__ import annotations

from bot.cli import admin, invoices, people, reading, recurring
from bot.cli.root import main

for _module in (reading, invoices, recurring, people, admin):
    for _command in _module.COMMANDS:
        main.add_command(_command)

__all__ = ["main"]
