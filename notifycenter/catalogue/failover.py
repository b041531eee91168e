"""Errors of clients that know several servers of one hub: every server failed, or the
list of servers itself is wrong."""

from notifycenter.model.errors import ErrorSpec

ALL_SERVERS_FAILED = ErrorSpec(
    code="notifycenter-2100",
    name="ErrAllServersFailed",
    severity="ERROR",
    short="None of the hub's servers answered",
    long="The client tried every server of the context in turn and each one failed; the detail lists each server and its failure.",
    causes=(
        "Every replica of the hub is down, restarting or unhealthy",
        "The network between this machine and the hub's servers is cut, or a proxy answers 502/503/504",
        "The context lists the wrong addresses",
    ),
    remedies=(
        'Check each server named in the detail (GET /healthz answers {"status": "ok"})',
        "Check the context's servers with `notifycenter config get-contexts`, or pass --server once per server",
    ),
    http_status=503,
)

DUPLICATE_SERVER = ErrorSpec(
    code="notifycenter-2101",
    name="ErrDuplicateServer",
    severity="ERROR",
    short="The same server is listed twice",
    long="Each server of a context, or each --server option, must name a different address.",
    causes=("A server was pasted twice, or written once with and once without its default port",),
    remedies=("Remove the repeated address from the list of servers",),
)

NO_SERVERS = ErrorSpec(
    code="notifycenter-2102",
    name="ErrNoServers",
    severity="ERROR",
    short="A context's list of servers is empty",
    long='A context names its hub with server = "URL" or with an array of URLs, server = ["URL", ...], holding at least one.',
    causes=("The context has server = []",),
    remedies=(
        'Write server = "https://hub.example:9181" or server = ["https://a.example:9181", "https://b.example:9181"]',
    ),
)
