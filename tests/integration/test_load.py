"""A burst of invoice mails and chat updates against the running service: each handled once.

`bench.load` sends 1,000 of each and reports the percentiles; this sends a few dozen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import burst


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_a_burst_of_mails_and_chat_updates_is_all_handled_once(tmp_path: Path):
    """GIVEN the running service WHEN 50 /tasks updates from 20 users arrive at once while 20
    invoice mails go through the mail intake THEN every mail is recorded once with its own
    invoice, every update is answered once, and no answer waited behind the mails."""
    load = await burst(tmp_path / "var", mails=20, updates=50)

    assert load.problems == []
    assert len(load.mail_done) == 20 and len(load.chat_answered) == 50
    assert max(load.chat_answered) < 10, load.chat_answered
