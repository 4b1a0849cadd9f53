"""The Telegram front end: chat intake, approval buttons and commands (python-telegram-bot v22)."""

from bot.telegram.app import TelegramChannel

__all__ = ["TelegramChannel"]
