"""Admin tests: @root:example.org is the operator (ADMIN_MATRIX_IDS); bob is not."""
from __future__ import annotations

import pytest

ROOT = "@root:example.org"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "ADMIN_MATRIX_IDS": f"{ROOT},@ops:example.org", "BOT_DELIVER_AFTER_COMMIT": False}
