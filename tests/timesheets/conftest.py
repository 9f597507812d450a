from tests.staff import *  # noqa: F403 (the alice / bob / charlie fixtures)
