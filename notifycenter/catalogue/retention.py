"""Errors of the hub's retention: its settings, and resuming from a pruned position."""

from notifycenter.model.errors import ErrorSpec

INVALID_RETENTION = ErrorSpec(
    code="notifycenter-2070",
    name="ErrInvalidRetention",
    severity="CRITICAL",
    short="A retention setting is not valid; the hub does not start",
    long="--retain takes a duration such as 30d, --retain-max-events a whole number of at least 1000.",
    causes=(
        "--retain (or retain in [hub]) is not a duration such as 30d, 12h or 2w",
        "--retain-max-events (or retain-max-events in [hub]) is below 1000",
    ),
    remedies=(
        "Use --retain 30d and/or --retain-max-events 1000000",
        "Leave both out to keep every event",
    ),
    http_status=400,
)

CURSOR_PRUNED = ErrorSpec(
    code="notifycenter-2071",
    name="ErrCursorPruned",
    severity="WARNING",
    short="The events after this cursor were pruned; the log now starts later",
    long="The hub's retention removed events older than its settings keep; a reader resuming from before the log's start would miss them without knowing.",
    causes=(
        "The client was away longer than the hub keeps events (--retain)",
        "More events arrived meanwhile than the hub keeps (--retain-max-events)",
    ),
    remedies=(
        "Resume from the cursor in log_start (the answer's field; the stream's close reason): what is older was pruned",
        "Ask the hub's operator to keep events longer if clients are often away this long",
    ),
    http_status=410,
)

RETENTION_FAILED = ErrorSpec(
    code="notifycenter-2072",
    name="ErrRetentionFailed",
    severity="WARNING",
    short="Pruning old events failed; the hub keeps them and retries",
    long="The background retention task could not delete a batch of old events; nothing was lost, the log only grows until it succeeds.",
    causes=(
        "The disk is full or read-only",
        "The database is locked by another program",
    ),
    remedies=(
        "Free disk space in the hub's data directory",
        "Check the hub's log for the first failure's traceback",
    ),
    http_status=503,
)
