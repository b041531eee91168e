"""Errors of the hub's runtime: the log writer, background loops, stream subscribers, health."""

from notifycenter.model.errors import ErrorSpec

SUBSCRIBER_FILTER_FAILED = ErrorSpec(
    code="notifycenter-1700",
    name="ErrSubscriberFilterFailed",
    severity="ERROR",
    short="The stream's filter failed on an event; the stream was closed",
    long="The hub closes a stream with code 1008 when its filter cannot be evaluated on an event. Other subscribers and writes are not affected.",
    causes=(
        "The filter compares an attribute with a value it cannot be converted to",
        "A defect in the filter engine",
    ),
    remedies=(
        "Simplify or correct the filter, then reconnect with since=<last cursor received>",
        "Report the filter and the event's cursor named in the close reason",
    ),
    http_status=400,
)

SUBSCRIBER_FAILED = ErrorSpec(
    code="notifycenter-1701",
    name="ErrSubscriberFailed",
    severity="ERROR",
    short="The hub failed while serving this stream; the stream was closed",
    long="The hub closes a stream with code 1011 when serving it fails unexpectedly. Other subscribers and writes are not affected; nothing is lost.",
    causes=("A defect in the hub's stream", "The read of the log for this subscriber failed"),
    remedies=(
        "Reconnect with since=<last cursor received> to resume without loss",
        "Report the hub's log output if it happens again",
    ),
    http_status=500,
)

WRITER_FAILED = ErrorSpec(
    code="notifycenter-1702",
    name="ErrLogWriterFailed",
    severity="CRITICAL",
    short="The hub's log writer failed on a commit",
    long="The writer keeps serving later requests; the requests of the failed commit were answered with an error and not stored. /healthz reports it until a commit succeeds.",
    causes=(
        "The data directory's disk is full or failing",
        "A defect in a projection or in the hub",
    ),
    remedies=(
        "Check the free space and health of the data directory's disk",
        "Report the hub's log output if the disk is fine",
    ),
    http_status=503,
)

CHECKPOINT_FAILED = ErrorSpec(
    code="notifycenter-1703",
    name="ErrCheckpointFailed",
    severity="CRITICAL",
    short="The hub cannot checkpoint its write-ahead log",
    long="Until a checkpoint succeeds the -wal file next to the database grows with every commit. The hub retries every second.",
    causes=(
        "The data directory's disk is full or failing",
        "Another process holds the database open in a long transaction",
    ),
    remedies=(
        "Free space on the data directory's disk",
        "Stop other programs that read the hub's database",
    ),
    http_status=503,
)

ON_COMMIT_FAILED = ErrorSpec(
    code="notifycenter-1704",
    name="ErrPublishFailed",
    severity="CRITICAL",
    short="The hub stored events but failed to publish them to the stream",
    long="The events are durable and were answered as accepted; live subscribers may have missed them and get them by reconnecting with since=<last cursor>.",
    causes=("A defect in the hub's stream",),
    remedies=(
        "Reconnect subscribers with since=<last cursor received>",
        "Report the hub's log output",
    ),
    http_status=503,
)

HUB_DEGRADED = ErrorSpec(
    code="notifycenter-1705",
    name="ErrHubDegraded",
    severity="CRITICAL",
    short="A part of the hub is failing",
    long="GET /healthz lists each failing part with its own code; the hub keeps serving what it can.",
    causes=("See the codes of the failing parts listed in the answer",),
    remedies=("Follow the remediation of each failing part's code, listed in docs/errors.md",),
    http_status=503,
)

WRITER_STOPPED = ErrorSpec(
    code="notifycenter-1706",
    name="ErrLogWriterStopped",
    severity="CRITICAL",
    short="The hub's log writer has stopped",
    long="No event or lifecycle change can be stored until the hub is restarted.",
    causes=("The hub is shutting down", "A defect in the hub stopped the writer"),
    remedies=("Restart the hub", "Report the hub's log output"),
    http_status=503,
)

WRITER_STALLED = ErrorSpec(
    code="notifycenter-1707",
    name="ErrLogWriterStalled",
    severity="CRITICAL",
    short="A commit of the hub's log has not finished for a long time",
    long="Posts and lifecycle changes wait until it finishes; /healthz reports it while it lasts.",
    causes=(
        "The data directory's disk or network file system does not answer",
        "The machine is overloaded",
    ),
    remedies=(
        "Check the data directory's disk (dmesg, iostat) and its mount",
        "Keep the data directory on a local disk",
    ),
    http_status=503,
)
