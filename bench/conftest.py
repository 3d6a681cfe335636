"""The test suite's fixtures (the stand-ins, the database), for the benchmarks written as
pytest modules (bench/step_cpu.py). Nothing here runs in `make test`: pytest only
collects tests/ unless given a path."""

from tests.conftest import *  # noqa: F403
