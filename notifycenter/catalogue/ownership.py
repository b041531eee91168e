"""Errors of ownership (assign, take, release), acks until resolved and ack expiry."""

from notifycenter.model.errors import ErrorSpec

ASSIGN_WITHOUT_OWNER = ErrorSpec(
    code="notifycenter-2080",
    name="ErrAssignWithoutOwner",
    severity="ERROR",
    short="An assign names no user to assign to",
    long='POST /api/lifecycle/assign takes the new owner as "to": a user name.',
    causes=(
        'The body has no "to", or it is empty or not a string',
        "The command was run without --to",
    ),
    remedies=(
        'Send {"refs": ["<ref>"], "to": "alice"}, or run notifycenter events assign REF --to alice',
        "To take a notification yourself, use take (notifycenter events take REF)",
    ),
    http_status=400,
)

INVALID_OWNER = ErrorSpec(
    code="notifycenter-2081",
    name="ErrInvalidOwner",
    severity="ERROR",
    short="The user to assign to is not a valid name",
    long="A user name is one line of at most 200 characters without control characters.",
    causes=(
        "The name is longer than 200 characters",
        "The name holds a control character or a line break",
    ),
    remedies=("Assign to the user name the person's token carries (as shown in the history)",),
    http_status=400,
)

UNTIL_NOT_FOR_VERB = ErrorSpec(
    code="notifycenter-2082",
    name="ErrUntilNotForVerb",
    severity="ERROR",
    short="until is given with a verb that does not acknowledge",
    long="until says when an acknowledgement lapses: ack, assign and take take it (assign and take acknowledge too).",
    causes=("The request or the command gives until with read, resolve, release or another verb",),
    remedies=(
        "Leave until out",
        "Acknowledge with until: notifycenter events ack REF --until 2h (or --until resolved)",
    ),
    http_status=400,
)

EXPIRY_FAILED = ErrorSpec(
    code="notifycenter-2083",
    name="ErrAckExpiryFailed",
    severity="ERROR",
    short="The hub could not record the expiry of timed acknowledgements",
    long="Acks whose until has passed are shown as lapsed, but their unack could not be appended to the log; the hub retries.",
    causes=(
        "The log cannot be written (disk full, storage unavailable)",
        "The log writer is stopping or has stopped",
    ),
    remedies=(
        "Check /healthz and the hub's log for the storage error, and free disk space",
        "Restart the hub: expiries that passed while it was down are recorded at start",
    ),
)
