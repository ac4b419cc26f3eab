"""How much of the generated and corpus inputs a pass sends.

The SQLite pass sends all of it. The PostgreSQL pass repeats the suite for what the database
does (typed values stored, compared, locked); the fuzz suites' subject is the handling of odd
input, the same code on both passes, so there they send a third of the generated examples and
half of the corpus (each corpus entry still reaches about four steps on PostgreSQL). Together
that was a third of the PostgreSQL pass. AFTERSALES_FULL_SAMPLES=1 sends everything on both.
"""

from __future__ import annotations

import os

from tests.conftest import USE_PG

FULL = os.environ.get("AFTERSALES_FULL_SAMPLES") == "1"


def examples(count: int) -> int:
    """Hypothesis's max_examples for this pass, from the SQLite pass's `count`."""
    return count if FULL or not USE_PG else max(5, count // 3)


def corpus_shares(shares: int) -> int:
    """Into how many shares the corpus is dealt among the steps on this pass."""
    return shares if FULL or not USE_PG else shares * 2
