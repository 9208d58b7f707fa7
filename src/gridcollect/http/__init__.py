"""The one HTTP client: timeouts, retries, size cap, and typed outcomes.

Every way a request can end maps to one of four outcomes, so the pipeline never
sees an exception from the network:

- :class:`Fetched`: a JSON payload arrived;
- :class:`NoData`: the endpoint says there is nothing for these parameters;
- :class:`Rejected`: the answer is unusable (bad status, not JSON, too large);
- :class:`Unavailable`: the service did not answer usefully after every retry.

Built on urllib3, one connection pool per server for the life of the :class:`Fetcher`.
Redirects, proxies from the environment (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``,
``NO_PROXY``) and the credentials of the API URL are handled here.

Modules: :mod:`.fetcher` (attempts and retries), :mod:`.outcomes`, :mod:`.redirects`,
:mod:`.routes` (pools, proxies, TLS), :mod:`.body` (reading bodies under the cap),
:mod:`.payload` (JSON decoding), :mod:`.failures` (what an error means for a fetch) and
:mod:`.deadline` (one time limit for a whole attempt).
"""

from .fetcher import USER_AGENT, Fetcher
from .outcomes import Fetched, FetchOutcome, NoData, Rejected, Unavailable

__all__ = ["USER_AGENT", "FetchOutcome", "Fetched", "Fetcher", "NoData", "Rejected", "Unavailable"]
