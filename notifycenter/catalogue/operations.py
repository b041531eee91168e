"""Errors of the operation center: failed operations, `notifycenter run`, `ops` and the API."""

from notifycenter.model.errors import ErrorSpec

OPERATION_FAILED = ErrorSpec(
    code="notifycenter-1600",
    name="ErrOperationFailed",
    severity="ERROR",
    short="The operation failed",
    long="The operation's code raised an exception that carries no error code of its own.",
    causes=("The work inside the operation raised an unexpected exception",),
    remedies=(
        "Read the details for the exception's message, and the operation's events for what led to it",
        "In the producer, raise a NotifyError with a code, probable cause and remediation",
    ),
)

COMMAND_FAILED = ErrorSpec(
    code="notifycenter-1601",
    name="ErrCommandFailed",
    severity="ERROR",
    short="The command exited with a non-zero status",
    long="The command run as an operation reported failure through its exit status.",
    causes=("The command hit an error; its last lines of output say which",),
    remedies=(
        "Read the output tail in the details",
        "Run the command by hand to reproduce the failure",
    ),
)

COMMAND_NOT_STARTED = ErrorSpec(
    code="notifycenter-1602",
    name="ErrCommandNotStarted",
    severity="ERROR",
    short="The command could not be started",
    long="notifycenter run could not execute the command.",
    causes=("The command is not installed or not on PATH", "The file is not executable"),
    remedies=("Check the command's name and PATH", "Make the file executable (chmod +x)"),
)

OPERATION_NOT_FOUND = ErrorSpec(
    code="notifycenter-1603",
    name="ErrOperationNotFound",
    severity="ERROR",
    short="No such operation",
    long="The hub has heard of no operation with this id.",
    causes=(
        "The id is mistyped: an operation's id is the 16 hex digits of its span id",
        "The producer's events have not reached this hub yet (it may be spooling them)",
    ),
    remedies=(
        "List operations with `notifycenter ops list`",
        "Check that the producer talks to this hub",
    ),
    http_status=404,
)

INVALID_OPERATION_QUERY = ErrorSpec(
    code="notifycenter-1604",
    name="ErrInvalidOperationQuery",
    severity="ERROR",
    short="A query parameter of the operations API is not valid",
    long="state, root, source, since and limit must have the values docs/operations.md lists.",
    causes=(
        "An unknown state, a limit that is not a number, or a since that is neither a cursor, a time nor a duration",
    ),
    remedies=(
        "Use a state among pending, running, stalled, succeeded, failed, cancelled, active, finished",
        "Give since as a cursor, an RFC 3339 time or a duration such as 2h",
    ),
)

WATCH_TIMEOUT = ErrorSpec(
    code="notifycenter-1605",
    name="ErrWatchTimeout",
    severity="WARNING",
    short="The operation did not finish before the timeout",
    long="notifycenter ops watch gave up waiting; the operation goes on.",
    causes=(
        "The operation takes longer than --timeout",
        "The operation is stalled: its producer stopped reporting",
    ),
    remedies=(
        "Raise --timeout",
        "Look at the operation's events with `notifycenter ops watch` or the TUI",
    ),
)

INVALID_TRACEPARENT = ErrorSpec(
    code="notifycenter-1606",
    name="ErrInvalidOperationTraceparent",
    severity="ERROR",
    short="The traceparent that names the operation to continue is not valid",
    long="An operation is continued from its W3C traceparent, 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>.",
    causes=("The traceparent was cut or mistyped when it was passed between processes",),
    remedies=(
        "Pass the operation's `traceparent` attribute unchanged (TRACEPARENT or --traceparent)",
    ),
)
