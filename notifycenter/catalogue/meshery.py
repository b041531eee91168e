"""Errors of the hub's sources (configured with `--source URL` or `[[hub.sources]]`) and of
the Meshery server source: bad configuration, and a source that cannot follow its server."""

from notifycenter.model.errors import ErrorSpec

INVALID_SOURCE_URL = ErrorSpec(
    code="notifycenter-1930",
    name="ErrInvalidSourceUrl",
    severity="ERROR",
    short="A source URL is not one the hub can follow",
    long="The URL's scheme names the kind of source (meshery+http://, meshery+https://, nats://); the hub did not start.",
    causes=(
        "The scheme is missing or names no known kind of source",
        "The URL has no host, or a port that is not a number",
        "A Meshery source URL has a query: Meshery sources take none",
    ),
    remedies=(
        "Write the source as meshery+http://HOST:9081, meshery+https://HOST or nats://HOST:4222?subject=SUBJECT",
        "See docs/sources.md for the kinds of source and their settings",
    ),
)

SOURCE_URL_CREDENTIALS = ErrorSpec(
    code="notifycenter-1931",
    name="ErrSourceUrlCredentials",
    severity="ERROR",
    short="A source URL carries credentials",
    long="Credentials in a URL leak into logs, process lists and GET /api/sources; the hub refuses them and did not start.",
    causes=("The URL has a user name or password before its host (user:secret@host)",),
    remedies=(
        "Remove the user and password from the URL",
        "Name a token-file, token-env or (for Meshery) auth-json in the source's [[hub.sources]] table",
    ),
)

INVALID_SOURCE_SETTINGS = ErrorSpec(
    code="notifycenter-1932",
    name="ErrInvalidSourceSettings",
    severity="ERROR",
    short="A source's settings are invalid or its credentials cannot be read",
    long="Each source's token comes from a file, an environment variable or mesheryctl's auth.json; the hub did not start.",
    causes=(
        "The token file or auth.json does not exist or cannot be read",
        "The environment variable named by token-env is not set",
        "auth.json is not JSON or holds no token",
        "Two sources have the same URL or name",
    ),
    remedies=(
        "Check the paths and the variable named in the source's settings",
        "Run mesheryctl system login to write auth.json again",
        "Give each source a different name",
    ),
)

MESHERY_UNREACHABLE = ErrorSpec(
    code="notifycenter-1933",
    name="ErrMesheryUnreachable",
    severity="ERROR",
    short="The Meshery server cannot be reached",
    long="The source retries with a growing pause; events Meshery records meanwhile are read back when it answers again.",
    causes=(
        "Meshery is not running, or not at this host and port",
        "A firewall or proxy refuses the connection",
        "The live stream was cut by the server or the network",
        "An answer did not finish within 120 s, or the live stream sent no whole message (an event or a keepalive) for 60 s",
    ),
    remedies=(
        "Check that Meshery answers at the source's URL (mesheryctl system status)",
        "Check the source's URL in --source or [[hub.sources]]",
    ),
    http_status=502,
)

MESHERY_AUTH_REFUSED = ErrorSpec(
    code="notifycenter-1934",
    name="ErrMesheryAuthRefused",
    severity="ERROR",
    short="The Meshery server refused the source's credentials",
    long="Meshery answered 401, 403 or sent the source to its login page: the token or provider is missing, wrong or expired.",
    causes=(
        "The token has expired or was revoked",
        "The provider (meshery-provider cookie) is not the one the token belongs to",
        "No token is configured for this source",
    ),
    remedies=(
        "Run mesheryctl system login, then point auth-json at its auth.json",
        "Put a fresh token in the source's token-file or token-env",
    ),
    http_status=502,
)

MESHERY_BAD_ANSWER = ErrorSpec(
    code="notifycenter-1935",
    name="ErrMesheryBadAnswer",
    severity="ERROR",
    short="The Meshery server answered with something that is not its events API",
    long="A page of events or a streamed event could not be read; the source retries and takes nothing from that answer.",
    causes=(
        "The URL points at something other than a Meshery server",
        "Meshery answered with an error (a 5xx from its database)",
        "A Meshery version whose events API this hub does not know",
        "An answer larger than 64 MiB, a streamed message larger than 16 MiB, or a compressed live stream",
    ),
    remedies=(
        "Check the source's URL and Meshery's own logs",
        "Report the Meshery version if its events API changed",
    ),
    http_status=502,
)

MESHERY_STATUS_WRITE_FAILED = ErrorSpec(
    code="notifycenter-1936",
    name="ErrMesheryStatusWriteFailed",
    severity="WARNING",
    short="An event read here could not be marked read in Meshery",
    long="Reading, acknowledging or resolving a Meshery event here marks it read in Meshery; that request failed and is retried at the next contact. The state here is unchanged.",
    causes=(
        "The Meshery server is unreachable or refused the request",
        "The event was deleted in Meshery",
    ),
    remedies=(
        "Check the source's state with notifycenter sources",
        "Mark the event read in Meshery's UI if it stays unread there",
    ),
    http_status=502,
)

MESHERY_EVENT_SKIPPED = ErrorSpec(
    code="notifycenter-1937",
    name="ErrMesheryEventSkipped",
    severity="WARNING",
    short="A Meshery event could not be made into a notification and was skipped",
    long="The event lacks its id or is otherwise not a valid event once mapped; other events are taken as usual.",
    causes=("The Meshery event has no id, or fields of the wrong type",),
    remedies=("Report the event's JSON (from Meshery's API) with the Meshery version",),
)
