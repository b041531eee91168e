"""Errors of the hub (`notifycenter serve`): HTTP API, auth, storage and start-up."""

from notifycenter.model.errors import ErrorSpec

INSECURE_BIND = ErrorSpec(
    code="notifycenter-1100",
    name="ErrInsecureBind",
    severity="CRITICAL",
    short="The hub refuses to listen on a non-loopback address without tokens",
    long="Anyone who can reach the address could post and acknowledge notifications.",
    causes=(
        "--bind names an address other than 127.0.0.1, ::1 or localhost and no token is configured",
    ),
    remedies=(
        "Create a token file and pass it with --token-file",
        "Bind 127.0.0.1 and put a reverse proxy with authentication in front",
    ),
    http_status=500,
)

UNSUPPORTED_MEDIA_TYPE = ErrorSpec(
    code="notifycenter-1101",
    name="ErrUnsupportedMediaType",
    severity="ERROR",
    short="The request's content type is not supported",
    long="POST /api/events accepts application/cloudevents+json, application/cloudevents-batch+json, or a binary-mode event with ce- headers.",
    causes=("The producer sends another content type, or a body without ce- headers",),
    remedies=(
        "Send structured events as application/cloudevents+json",
        "Send batches as application/cloudevents-batch+json",
        "In binary mode set ce-specversion, ce-id, ce-source and ce-type headers",
    ),
    http_status=415,
)

UNAUTHENTICATED = ErrorSpec(
    code="notifycenter-1102",
    name="ErrUnauthenticated",
    severity="ERROR",
    short="The request carries no valid token",
    long="This hub requires Authorization: Bearer <token> on every API request.",
    causes=("No Authorization header was sent", "The token is unknown to the hub or was revoked"),
    remedies=(
        "Set token-file in the context of your config, or NOTIFYCENTER_TOKEN",
        "Ask the hub's administrator for a token",
    ),
    http_status=401,
)

FORBIDDEN = ErrorSpec(
    code="notifycenter-1103",
    name="ErrForbidden",
    severity="ERROR",
    short="The token's role does not allow this request",
    long="producer may post events; viewer may read; operator may read and change lifecycles; admin may do all.",
    causes=("The token has a role too weak for this request",),
    remedies=(
        "Use a token with the role the request needs",
        "Ask the hub's administrator to change the token's role",
    ),
    http_status=403,
)

RATE_LIMITED = ErrorSpec(
    code="notifycenter-1104",
    name="ErrRateLimited",
    severity="WARNING",
    short="Too many events: the token is over its rate limit",
    long="The hub refuses events above the rate configured for this token; retry after the time in Retry-After.",
    causes=(
        "A producer emits faster than its configured rate",
        "A producer retries in a tight loop",
    ),
    remedies=(
        "Retry after the number of seconds in Retry-After",
        "Batch events, or ask for a higher rate limit",
    ),
    http_status=429,
)

ROUTE_NOT_FOUND = ErrorSpec(
    code="notifycenter-1105",
    name="ErrRouteNotFound",
    severity="ERROR",
    short="No such API path",
    long="The hub has no route at this path; see /openapi.json for the API.",
    causes=("The client and the hub have different versions", "The URL is mistyped"),
    remedies=("Check the URL against /openapi.json", "Upgrade the client or the hub"),
    http_status=404,
)

METHOD_NOT_ALLOWED = ErrorSpec(
    code="notifycenter-1106",
    name="ErrMethodNotAllowed",
    severity="ERROR",
    short="The path does not accept this HTTP method",
    long="The route exists but not for this method; see /openapi.json for the API.",
    causes=("The client uses GET where POST is needed, or the reverse",),
    remedies=("Check the method against /openapi.json",),
    http_status=405,
)

EVENT_NOT_FOUND = ErrorSpec(
    code="notifycenter-1107",
    name="ErrEventNotFound",
    severity="ERROR",
    short="No stored event matches the reference",
    long="A reference is a cursor, source#id, or an id; none of the stored events has it.",
    causes=("The reference is mistyped", "The event was posted to another hub"),
    remedies=(
        "Find the event with `notifycenter events list --search TEXT` (or GET /api/events)",
        "Use its cursor or source#id as the reference",
    ),
    http_status=404,
)

AMBIGUOUS_REF = ErrorSpec(
    code="notifycenter-1108",
    name="ErrAmbiguousRef",
    severity="ERROR",
    short="The id names events of several sources",
    long="A bare id is accepted only when exactly one source has used it.",
    causes=("Several producers happen to use the same event id",),
    remedies=(
        "Name the event as source#id or by its cursor",
        "List the candidates with `notifycenter events list --filter \"id = '<id>'\"`",
    ),
    http_status=409,
)

INVALID_QUERY = ErrorSpec(
    code="notifycenter-1109",
    name="ErrInvalidQuery",
    severity="ERROR",
    short="A query parameter has an invalid value",
    long="See the parameters of GET /api/events in /openapi.json.",
    causes=(
        "A bucket, status or severity is misspelled",
        "A cursor or limit is not a number",
    ),
    remedies=("Correct the parameter named in the message",),
)

INVALID_LIFECYCLE_REQUEST = ErrorSpec(
    code="notifycenter-1110",
    name="ErrInvalidLifecycleRequest",
    severity="ERROR",
    short="The lifecycle request is not valid",
    long="The body must be a JSON object with refs (a list) or filter (an object), and optional comment and until.",
    causes=(
        "Neither refs nor filter was given, or both were",
        "until is neither an RFC 3339 time nor a duration such as 2h",
    ),
    remedies=('Send {"refs": ["<cursor or source#id>"]} or {"filter": {"bucket": "errors"}}',),
)

INVALID_FILTER = ErrorSpec(
    code="notifycenter-1111",
    name="ErrInvalidFilter",
    severity="ERROR",
    short="The filter expression is not valid",
    long="filter takes a CESQL expression and filters a JSON list of Subscriptions API filters.",
    causes=("The expression has a syntax error or names an unknown function",),
    remedies=(
        "Check the expression, for example: severitynumber >= 17 AND source LIKE 'urn:meshery:%'",
    ),
)

INVALID_TOKEN_FILE = ErrorSpec(
    code="notifycenter-1112",
    name="ErrInvalidTokenFile",
    severity="CRITICAL",
    short="The hub's token file cannot be used",
    long="The token file is TOML with one [[token]] table per token: token, user and role.",
    causes=(
        "The file does not exist or is not readable",
        "The file is not valid TOML, or a token lacks token, user or role",
        "A role is not one of producer, viewer, operator, admin",
    ),
    remedies=("Fix the file as described in docs/hub.md and restart the hub",),
    http_status=500,
)

STORAGE_UNAVAILABLE = ErrorSpec(
    code="notifycenter-1113",
    name="ErrStorageUnavailable",
    severity="CRITICAL",
    short="The hub cannot open or write its event log",
    long="The event log is an SQLite database in the hub's data directory.",
    causes=(
        "The data directory is not writable or the disk is full",
        "The database file is damaged",
    ),
    remedies=("Check the data directory's permissions and free space", "Pass another --data-dir"),
    http_status=503,
)

DATA_DIR_IN_USE = ErrorSpec(
    code="notifycenter-1121",
    name="ErrDataDirInUse",
    severity="CRITICAL",
    short="Another hub is already using this data directory",
    long="One hub process writes one event log; a second one on the same directory would corrupt its order.",
    causes=(
        "A hub (notifycenter serve, or a notifycenter TUI with its embedded hub) is running on this data directory",
        "A stopped hub's process is still shutting down",
    ),
    remedies=(
        "Connect to the running hub instead of starting another (notifycenter --server URL)",
        "Stop the other hub, or start this one with another --data-dir",
    ),
    http_status=503,
)

HUB_START_FAILED = ErrorSpec(
    code="notifycenter-1122",
    name="ErrHubStartFailed",
    severity="CRITICAL",
    short="The hub failed while starting",
    long="The application's start-up (opening the log, starting sources and background work) raised an error.",
    causes=("The error logged just above this one: storage, a source's settings, or a bug",),
    remedies=(
        "Read the error logged above and fix what it names",
        "If nothing was logged above, report it with the command you ran",
    ),
    http_status=500,
)

BIND_FAILED = ErrorSpec(
    code="notifycenter-1114",
    name="ErrBindFailed",
    severity="CRITICAL",
    short="The hub cannot listen on the address",
    long="--bind takes HOST:PORT; the port must be free.",
    causes=("Another process (perhaps another hub) uses the port", "HOST:PORT is misspelled"),
    remedies=("Stop the other process or choose another port with --bind",),
    http_status=500,
)

INTERNAL_ERROR = ErrorSpec(
    code="notifycenter-1115",
    name="ErrInternal",
    severity="CRITICAL",
    short="The hub failed unexpectedly",
    long="An unexpected error occurred; the request was not applied.",
    causes=("A bug in the hub",),
    remedies=("Retry the request", "Report the hub's log output with the request that failed"),
    http_status=500,
)

UNKNOWN_VERB = ErrorSpec(
    code="notifycenter-1116",
    name="ErrUnknownLifecycleVerb",
    severity="ERROR",
    short="No such lifecycle verb",
    long="The verbs are read, unread, ack, unack, resolve, reopen and archive.",
    causes=("The verb in POST /api/lifecycle/{verb} is misspelled",),
    remedies=("Use one of read, unread, ack, unack, resolve, reopen, archive",),
    http_status=404,
)

SUBSCRIBER_TOO_SLOW = ErrorSpec(
    code="notifycenter-1117",
    name="ErrSubscriberTooSlow",
    severity="WARNING",
    short="The subscriber could not keep up and was disconnected",
    long="The hub closes a stream with code 1013 when its send queue stays full; nothing is lost.",
    causes=(
        "The subscriber reads more slowly than events arrive",
        "The network to the subscriber is slow",
    ),
    remedies=("Reconnect with since=<last cursor received> to resume without loss",),
    http_status=503,
)

INVALID_SETTING = ErrorSpec(
    code="notifycenter-1118",
    name="ErrInvalidHubSetting",
    severity="CRITICAL",
    short="A hub setting is not valid",
    long="--bind takes HOST:PORT and --stall-after a duration such as 10m.",
    causes=("An option or the [hub] table of the config file has a malformed value",),
    remedies=("Correct the setting named in the message",),
    http_status=500,
)

RESERVED_EVENT_TYPE = ErrorSpec(
    code="notifycenter-1119",
    name="ErrReservedEventType",
    severity="ERROR",
    short="The event's type is reserved for the hub's lifecycle events",
    long="Types io.meshery.notification.<verb> record lifecycle changes; only the hub writes them.",
    causes=("A producer posts a lifecycle event instead of calling POST /api/lifecycle/{verb}",),
    remedies=(
        "Change notifications with POST /api/lifecycle/{verb} (notifycenter events ack ...)",
    ),
)

TOO_MANY_FAILED_LOGINS = ErrorSpec(
    code="notifycenter-1120",
    name="ErrTooManyFailedLogins",
    severity="WARNING",
    short="Too many wrong tokens from this address; wait before trying again",
    long="After several unknown tokens from one client address the hub refuses every token from it for a delay that doubles with each further failure, so that tokens cannot be guessed.",
    causes=(
        "A client is configured with a revoked or mistyped token and retries",
        "Someone is guessing tokens",
    ),
    remedies=(
        "Wait the number of seconds in Retry-After, then retry with a valid token",
        "Check token-file in your context, or NOTIFYCENTER_TOKEN",
        "Look at notifycenter_auth_refused in /metrics to see how often it happens",
    ),
    http_status=429,
)

NO_SNAPSHOT = ErrorSpec(
    code="notifycenter-1123",
    name="ErrNoSnapshot",
    severity="INFO",
    short="The hub has no backlog snapshot to send",
    long="The hub keeps a snapshot of its backlog once the log holds enough events to need one; until the first one is built there is none.",
    causes=(
        "The log holds fewer events than a snapshot is made for, or the first build is running",
        "The hub runs with --no-snapshots",
    ),
    remedies=(
        "Read the backlog page by page with GET /api/events, as clients do without one",
        "Wait for the build: the hub logs each snapshot it writes",
    ),
    http_status=404,
)

SNAPSHOT_BUILD_FAILED = ErrorSpec(
    code="notifycenter-1124",
    name="ErrSnapshotBuildFailed",
    severity="WARNING",
    short="The hub could not build its backlog snapshot",
    long="The child process that reads the log into a backlog snapshot failed; clients read the backlog page by page until a build succeeds (it is tried again).",
    causes=(
        "The data directory is full or not writable",
        "The database could not be read from a second connection",
    ),
    remedies=(
        "Read the error logged with this code and fix what it names",
        "Run the hub with --no-snapshots to stop trying",
    ),
    http_status=500,
)
