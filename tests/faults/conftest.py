"""One supervised stack for every fault test: deploy/supervisord.conf, as `make run` starts it.

supervisord runs the action server, Rasa, the web application and the demo site on free
ports, with their databases, socket and logs in a temporary folder and fresh secrets. The
tests kill services and check that the supervisor starts them again, so every test leaves the
stack whole (``Stack.wait_all_up``) for the next one. (test_lock_store.py starts a second
stack, with Rasa's locks in Redis, for its own test.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# The stack itself lives in tests/faults/stack.py (shared with scripts/bench_reliability.py);
# its names stay importable from here.
from tests.faults.stack import (  # noqa: F401
    CONFIG,
    RESTART_DEADLINE,
    ROOT,
    START_DEADLINE,
    Stack,
    question_of,
    stack_env,
    supervised_stack,
)
from tests.servers import MODEL


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` first (make e2e does it).")
    folder = tmp_path_factory.mktemp("supervised")
    with supervised_stack(folder, stack_env(folder)) as stack:
        yield stack
