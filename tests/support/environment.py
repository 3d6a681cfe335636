"""The environment a subprocess of the portal gets in a test: this process's, without what
only the test process sets for itself."""

import os

# The browser tests' conftest sets it for Playwright's event loop in the test thread; a
# portal started with it fails `check --deploy` (async.E001), as a deployment would.
TEST_PROCESS_ONLY = frozenset({"DJANGO_ALLOW_ASYNC_UNSAFE"})


def deployed_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in TEST_PROCESS_ONLY}
