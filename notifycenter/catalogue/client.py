"""Errors of the client side: configuration, connection to the hub, command-line usage."""

from notifycenter.model.errors import ErrorSpec

CONFIG_SYNTAX = ErrorSpec(
    code="notifycenter-1200",
    name="ErrConfigSyntax",
    severity="ERROR",
    short="The configuration file is not valid TOML",
    long="The configuration file could not be read or parsed as TOML.",
    causes=(
        "The file was edited by hand and a quote, bracket or equals sign is missing",
        "The file is not readable by the current user",
    ),
    remedies=(
        "Fix the line named in the error, or move the file away to start from defaults",
        "Run `notifycenter config path` to see which file is read",
    ),
)

CONFIG_UNKNOWN_KEY = ErrorSpec(
    code="notifycenter-1201",
    name="ErrConfigUnknownKey",
    severity="ERROR",
    short="The configuration file has a key that notifycenter does not know",
    long="Every key in the configuration file must be one that notifycenter reads.",
    causes=("A key is misspelt (token_file instead of token-file) or belongs to another tool",),
    remedies=(
        "Rename or remove the key; the error lists the keys allowed at that place",
        "See docs/cli.md for the configuration format",
    ),
)

CONFIG_WRONG_TYPE = ErrorSpec(
    code="notifycenter-1202",
    name="ErrConfigWrongType",
    severity="ERROR",
    short="A configuration value has the wrong type",
    long="A key in the configuration file holds a value of a type notifycenter does not accept there.",
    causes=("A string is not quoted, or a table is written where a string belongs",),
    remedies=(
        'Write the value as the type the error names, for example server = "http://127.0.0.1:9181"',
    ),
)

UNKNOWN_CONTEXT = ErrorSpec(
    code="notifycenter-1203",
    name="ErrUnknownContext",
    severity="ERROR",
    short="The context is not defined in the configuration file",
    long="The named context has no [contexts.NAME] table in the configuration file.",
    causes=(
        "The context name is misspelt",
        "current-context names a context that was removed",
    ),
    remedies=(
        "List the contexts with `notifycenter config view`",
        "Create it with `notifycenter config set-context NAME --server URL`",
    ),
)

TOKEN_FILE_UNREADABLE = ErrorSpec(
    code="notifycenter-1204",
    name="ErrTokenFileUnreadable",
    severity="ERROR",
    short="The context's token file cannot be read",
    long="The token-file of the context does not exist, cannot be read, or is empty.",
    causes=("The path is wrong, the file was removed, or its permissions forbid reading it",),
    remedies=(
        "Check the token-file path in the context (~ is expanded; relative paths are relative to the config file)",
        "Pass the token with --token or NOTIFYCENTER_TOKEN instead",
    ),
)

INVALID_SERVER_URL = ErrorSpec(
    code="notifycenter-1205",
    name="ErrInvalidServerUrl",
    severity="ERROR",
    short="The hub address is not an http or https URL",
    long="The server must be an absolute URL such as http://127.0.0.1:9181.",
    causes=("The scheme is missing (127.0.0.1:9181) or is not http or https",),
    remedies=("Write the address with its scheme, for example http://127.0.0.1:9181",),
)

CONFIG_WRITE_FAILED = ErrorSpec(
    code="notifycenter-1206",
    name="ErrConfigWriteFailed",
    severity="ERROR",
    short="The configuration file cannot be written",
    long="notifycenter could not write the configuration file or create its folder.",
    causes=("The folder is not writable or the disk is full",),
    remedies=(
        "Check the permissions of the folder shown by `notifycenter config path`",
        "Point NOTIFYCENTER_CONFIG to a writable file",
    ),
)

HUB_UNREACHABLE = ErrorSpec(
    code="notifycenter-1207",
    name="ErrHubUnreachable",
    severity="ERROR",
    short="The hub does not answer",
    long="No connection could be made to the hub, or it did not answer in time.",
    causes=(
        "The hub is not running, or listens on another address or port",
        "A firewall or proxy blocks the connection",
        "The context or --server points to the wrong hub",
    ),
    remedies=(
        "Start the hub with `notifycenter serve`, or check that it runs",
        "Check the address with `notifycenter config view` and --server / NOTIFYCENTER_SERVER",
    ),
    http_status=503,
)

HUB_BAD_ANSWER = ErrorSpec(
    code="notifycenter-1208",
    name="ErrHubBadAnswer",
    severity="ERROR",
    short="The hub's answer cannot be understood",
    long="The server answered, but not with what a notifycenter hub answers.",
    causes=(
        "The address points to another service, or a proxy answered instead of the hub",
        "The hub is of an incompatible version",
    ),
    remedies=(
        'Check that the address is the hub\'s (GET /healthz answers {"status": "ok"})',
        "Use a client and hub of the same version",
    ),
    http_status=502,
)

INVALID_JSON_INPUT = ErrorSpec(
    code="notifycenter-1209",
    name="ErrInvalidJsonInput",
    severity="ERROR",
    short="The input is not valid JSON",
    long="The --data value, file or standard input could not be parsed as JSON.",
    causes=("The JSON is truncated, quoted for another shell, or not JSON at all",),
    remedies=(
        "Check the input with a JSON validator",
        "Read JSON from a file with --data @file.json to avoid shell quoting",
    ),
)

INPUT_UNREADABLE = ErrorSpec(
    code="notifycenter-1210",
    name="ErrInputUnreadable",
    severity="ERROR",
    short="The input file cannot be read",
    long="A file named on the command line does not exist or cannot be read.",
    causes=("The path is wrong or its permissions forbid reading it",),
    remedies=("Check the path and the file's permissions",),
)

INVALID_USAGE = ErrorSpec(
    code="notifycenter-1211",
    name="ErrInvalidUsage",
    severity="ERROR",
    short="The command line is incomplete or contradicts itself",
    long="A required option is missing, or options that exclude each other were given together.",
    causes=("An option is missing or combined with one it cannot be used with",),
    remedies=("Run the command with --help to see its options and examples",),
)

INVALID_UNTIL = ErrorSpec(
    code="notifycenter-1212",
    name="ErrInvalidUntil",
    severity="ERROR",
    short="The --until value is neither a duration nor a time",
    long="--until takes a duration such as 2h, 30m or 1d12h, an RFC 3339 time, or resolved.",
    causes=("The unit is missing or unknown (2 hours instead of 2h)",),
    remedies=("Write a duration with s, m, h, d or w units, or a time like 2026-11-28T12:00:00Z",),
)

EMITTER_CLOSED = ErrorSpec(
    code="notifycenter-1213",
    name="ErrEmitterClosed",
    severity="ERROR",
    short="The emitter is closed",
    long="An event was emitted after the emitter was closed; it was not sent.",
    causes=("close() was called, or the emitter's with-block ended, before this emit",),
    remedies=("Emit events before closing the emitter, or create a new Emitter",),
)

INVALID_OPTION = ErrorSpec(
    code="notifycenter-1214",
    name="ErrInvalidOption",
    severity="ERROR",
    short="A command, an option or an option's value is not valid",
    long="The command line names a command or option that does not exist, or gives an option a value it does not accept.",
    causes=(
        "A command or option is misspelt, or belongs to another command",
        "A value is not among the allowed ones (a bucket, a status, a state, a severity)",
    ),
    remedies=("Run the command with --help to see its options and the values they accept",),
)

UNTIL_IN_THE_PAST = ErrorSpec(
    code="notifycenter-1215",
    name="ErrUntilInThePast",
    severity="ERROR",
    short="The --until time has already passed",
    long="An acknowledgement that lapses before it is made would change nothing.",
    causes=("The time is mistyped, or is in local time where UTC was meant",),
    remedies=("Give a duration such as 2h, or a future RFC 3339 time like 2026-11-28T18:00:00Z",),
)

UNWRITABLE_JSON = ErrorSpec(
    code="notifycenter-1216",
    name="ErrUnwritableJson",
    severity="ERROR",
    short="The answer cannot be written as JSON",
    long="A value to print with -o json is nested too deeply or holds a number too long to write.",
    causes=(
        "An event's data is nested more than a thousand levels deep",
        "An event holds an integer with thousands of digits",
    ),
    remedies=(
        "Print the event as a table (-o table), or fetch it from the hub's API directly",
        "Fix the producer that sent the event",
    ),
)

EVENT_NOT_JSON = ErrorSpec(
    code="notifycenter-1217",
    name="ErrEventNotJson",
    severity="ERROR",
    short="An event field holds a value that JSON cannot carry",
    long="Event attributes and data must be JSON values: strings, numbers, booleans, null, lists and objects with string keys.",
    causes=(
        "A Python object such as a datetime, a set, bytes or a class instance was passed as a field or inside data",
        "An integer is outside the 64-bit range, or an object has keys that are not strings",
        "The data is nested more than 254 levels deep",
    ),
    remedies=(
        "Convert the value first, for example a datetime with isoformat() and a set with list()",
        "The error names the field and the type: fix that value where the event is built",
    ),
)


EMITTER_LEGACY_SPOOL = ErrorSpec(
    code="notifycenter-1218",
    name="ErrEmitterLegacySpool",
    severity="WARNING",
    short="Events spooled by an older version are not sent",
    long="An older emitter kept its spool by source only; which hub those events were meant for is unknown.",
    causes=("A producer of an older notifycenter version spooled events while its hub was down",),
    remedies=(
        "Stop the producer and move the old spool folder into the new one named in the message, if they were meant for this hub",
        "Delete the old spool folder if those events are no longer wanted",
    ),
)

EMITTER_BUFFER_FULL = ErrorSpec(
    code="notifycenter-1219",
    name="ErrEmitterBufferFull",
    severity="WARNING",
    short="The emitter's buffer is full: events are dropped",
    long="emit() never blocks; when the sender cannot keep up and the buffer is full, new events are dropped.",
    causes=(
        "The producer emits faster than the hub or the spool can take",
        "The hub is slow or unreachable and the spool disk is slow",
    ),
    remedies=(
        "Raise the emitter's max_buffer, or emit fewer events (aggregate repeats)",
        "Check the hub's health (/healthz) and the spool disk",
    ),
)

EMITTER_TOKEN_REFUSED = ErrorSpec(
    code="notifycenter-1220",
    name="ErrEmitterTokenRefused",
    severity="ERROR",
    short="The hub refused the emitter's token: events are spooled",
    long="Events are kept in the spool and sent once the hub accepts the token.",
    causes=("The token is missing, wrong, expired, or lacks the producer role",),
    remedies=(
        "Give the producer a token with the producer role (NOTIFYCENTER_TOKEN or the context's token-file)",
    ),
)

SNAPSHOT_UNREADABLE = ErrorSpec(
    code="notifycenter-1221",
    name="ErrSnapshotUnreadable",
    severity="WARNING",
    short="The hub's backlog snapshot could not be read; the backlog is read page by page",
    long="A snapshot that fails any of the client's checks (its format, its lengths, the ids it holds, the texts it would show) is not loaded; the backlog then comes in pages, more slowly.",
    causes=(
        "The hub runs another version of notifycenter, with another snapshot format",
        "The snapshot was damaged on the way or on the hub's disk",
    ),
    remedies=(
        "Upgrade the client or the hub so that both run the same version",
        "Nothing is lost: the pages bring every event; the hub builds a new snapshot as events arrive",
    ),
)

SNAPSHOT_TOO_LARGE = ErrorSpec(
    code="notifycenter-1222",
    name="ErrSnapshotTooLarge",
    severity="WARNING",
    short="The hub's backlog snapshot is larger than this client will hold; the backlog is read page by page",
    long="A snapshot is read into memory whole, so one larger than half of this machine's memory (by the size the hub announces, or by what arrives) is not read at all; the backlog then comes in pages.",
    causes=(
        "The hub's log is larger than this machine can hold in memory",
        "The answer is not a hub's snapshot: a proxy or a broken server announced or sent far more",
    ),
    remedies=(
        "Nothing is lost: the pages bring every event, more slowly",
        "Open the notification center on a machine with more memory, or narrow the hub's retention (docs/hub.md)",
    ),
)
