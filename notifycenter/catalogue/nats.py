"""Errors of the NATS source (`nats://host:4222?subject=...`): its settings, the server,
JetStream, and messages that are not CloudEvents."""

from notifycenter.model.errors import ErrorSpec

INVALID_NATS_SOURCE = ErrorSpec(
    code="notifycenter-1980",
    name="ErrInvalidNatsSource",
    severity="ERROR",
    short="A NATS source's URL or settings are invalid",
    long="A NATS source takes subject, stream and durable as query parameters and its credentials from token-file, token-env or creds-file; the hub did not start.",
    causes=(
        "The URL has no subject and no stream",
        "A query parameter is unknown, given twice, or carries credentials (token, user, password)",
        "The subject, stream or durable name holds spaces or characters NATS does not allow",
        "The creds-file does not exist or cannot be read",
    ),
    remedies=(
        "Write the source as nats://HOST:4222?subject=SUBJECT[&stream=STREAM&durable=NAME]",
        "Name a token-file, token-env or creds-file in the source's [[hub.sources]] table",
    ),
)

NATS_UNREACHABLE = ErrorSpec(
    code="notifycenter-1981",
    name="ErrNatsUnreachable",
    severity="ERROR",
    short="The NATS server cannot be reached, or it closed the connection",
    long="The source retries with a growing pause. Core NATS messages published meanwhile are lost (at most once); a JetStream consumer resumes where it stopped.",
    causes=(
        "nats-server is not running, or not at this host and port",
        "A firewall or proxy refuses the connection",
        "The server was restarted or the network was cut",
    ),
    remedies=(
        "Check that nats-server answers at the source's URL (nats server check connection)",
        "Check the source's URL in --source or [[hub.sources]]",
    ),
    http_status=502,
)

NATS_AUTH_REFUSED = ErrorSpec(
    code="notifycenter-1982",
    name="ErrNatsAuthRefused",
    severity="ERROR",
    short="The NATS server refused the source's credentials or permissions",
    long="nats-server answered with an authorization violation or a permissions violation for the subject or the JetStream API.",
    causes=(
        "The token or the creds-file is missing, wrong or expired",
        "The user may not subscribe to the subject or use the stream's consumer API",
    ),
    remedies=(
        "Check the token-file, token-env or creds-file named in the source's settings",
        "Allow the user to subscribe to the subject and to $JS.API.CONSUMER.> for the stream",
    ),
    http_status=502,
)

NATS_STREAM_UNUSABLE = ErrorSpec(
    code="notifycenter-1983",
    name="ErrNatsStreamUnusable",
    severity="ERROR",
    short="The JetStream stream or its durable consumer cannot be used",
    long="With stream= the source reads through a durable pull consumer of that stream; the stream must exist, and a consumer of that name must be a pull consumer the source may share.",
    causes=(
        "JetStream is not enabled on the server, or the stream does not exist",
        "The subject is not one of the stream's subjects",
        "A consumer with the durable name exists with another configuration (push, other filter)",
    ),
    remedies=(
        "Create the stream first (nats stream add STREAM --subjects SUBJECT)",
        "Choose another durable= name, or delete the old consumer (nats consumer rm STREAM NAME)",
    ),
    http_status=502,
)

NATS_MESSAGE_SKIPPED = ErrorSpec(
    code="notifycenter-1984",
    name="ErrNatsMessageSkipped",
    severity="WARNING",
    short="A NATS message is not a valid CloudEvent and was skipped",
    long="The message was neither a binary-mode (ce- headers) nor a structured-mode CloudEvent the hub accepts; it is not stored, and in JetStream it is terminated so that it is not delivered again. The source keeps following.",
    causes=(
        "The publisher does not follow the CloudEvents NATS protocol binding",
        "A required attribute (id, source, type, specversion) is missing or invalid",
        "The body is not JSON although its content type says so",
    ),
    remedies=(
        "Publish binary mode (ce-id, ce-source, ce-type, ce-specversion headers) or a structured JSON event",
        "Read the warning logged with this code: it names the subject and the reason",
    ),
)

NATS_STORE_FAILED = ErrorSpec(
    code="notifycenter-1985",
    name="ErrNatsStoreFailed",
    severity="ERROR",
    short="Events from NATS could not be written to the hub's log",
    long="Nothing of the batch was stored. JetStream messages were not acknowledged and are delivered again; core NATS messages of the batch are lost.",
    causes=(
        "The hub's disk is full or its database cannot be written",
        "The hub is stopping",
    ),
    remedies=(
        "Check the hub's data directory (free space, permissions)",
        "Use a JetStream stream (stream=) for subjects whose events must not be lost",
    ),
    http_status=503,
)

NATS_MESSAGES_DROPPED = ErrorSpec(
    code="notifycenter-1986",
    name="ErrNatsMessagesDropped",
    severity="WARNING",
    short="Core NATS messages were dropped because the hub fell behind",
    long="On a subject without stream=, messages arrived faster than the hub's log took them; beyond the source's queue the NATS client dropped them (slow consumer) and they are lost. The warning says how many were dropped since the previous one, at most every few seconds, and how many since the hub started; the source keeps following.",
    causes=(
        "A publisher sends a burst faster than the hub stores events",
        "The hub's disk or database is slow, or its host is overloaded",
    ),
    remedies=(
        "Use a JetStream stream (stream=) for subjects whose events must not be lost: it keeps what the hub has not taken yet",
        "Spread the publisher's events over time",
        "Check the hub's disk and CPU",
    ),
)
