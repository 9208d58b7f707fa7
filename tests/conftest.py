from tests.support.servers import *  # noqa: F403
