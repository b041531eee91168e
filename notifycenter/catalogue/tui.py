"""Errors of the notification center (the TUI) and of `notifycenter demo`."""

from notifycenter.model.errors import ErrorSpec

INVALID_TUI_SETTING = ErrorSpec(
    code="notifycenter-1500",
    name="ErrInvalidTuiSetting",
    severity="ERROR",
    short="The [tui] table of the config file is not valid",
    long="A key in [tui], [tui.keymap] or [tui.notifications] is unknown or has a value of the wrong kind.",
    causes=(
        "A key is misspelt or belongs to another table",
        "A severity is not one of EMERGENCY ALERT CRITICAL ERROR WARNING NOTICE INFO DEBUG SUCCESS",
        "A keymap entry names a binding id that does not exist",
    ),
    remedies=(
        "Correct the key named in the message; docs/tui.md lists every setting",
        "Press ? in the notification center to see every binding id",
    ),
)

HUB_UNREACHABLE = ErrorSpec(
    code="notifycenter-1501",
    name="ErrTuiHubUnreachable",
    severity="ERROR",
    short="The notification center cannot reach the hub",
    long="The connection to the hub failed; the notification center keeps retrying in the background.",
    causes=(
        "The hub is not running or listens on another address",
        "A firewall or proxy blocks the connection",
    ),
    remedies=(
        "Start the hub with `notifycenter serve`, or run `notifycenter` without --server to embed one",
        "Check the server of the context with `notifycenter config view`",
    ),
)

LIFECYCLE_FAILED = ErrorSpec(
    code="notifycenter-1502",
    name="ErrTuiLifecycleFailed",
    severity="ERROR",
    short="The lifecycle change was not applied",
    long="The hub refused or did not answer a read, ack, resolve or archive request.",
    causes=(
        "The token's role is viewer, which may not change lifecycles",
        "The hub is unreachable",
    ),
    remedies=(
        "Use a context whose token has the operator role",
        "Retry once the header shows the connection as live",
    ),
)

READONLY = ErrorSpec(
    code="notifycenter-1503",
    name="ErrTuiReadonly",
    severity="WARNING",
    short="The notification center is read-only",
    long="It was started with --readonly, which disables every lifecycle action.",
    causes=("--readonly was given on the command line",),
    remedies=("Restart without --readonly to acknowledge, resolve or archive",),
)

UNKNOWN_COMMAND = ErrorSpec(
    code="notifycenter-1504",
    name="ErrTuiUnknownCommand",
    severity="WARNING",
    short="Unknown command",
    long="The command line accepts :ack, :unack, :resolve, :reopen, :read, :unread, :archive, :filter, :clear, :context, :ops, :pause, :help and :quit.",
    causes=("The command is misspelt or not supported",),
    remedies=("Press ? for the list of commands and keys",),
)

INVALID_FILTER = ErrorSpec(
    code="notifycenter-1505",
    name="ErrTuiInvalidFilter",
    severity="WARNING",
    short="The filter is not valid",
    long="The filter could not be compiled; the previous filter stays in effect.",
    causes=(
        "The CESQL expression has a syntax error",
        "A quick token such as sev>= names an unknown severity",
    ),
    remedies=(
        "Use quick tokens: sev>=warning src:istio type:io.meshery.provisioning status:unacked free text",
        "Or write CESQL after :filter, for example :filter severitynumber >= 17",
    ),
)

STYLES_NOT_FOUND = ErrorSpec(
    code="notifycenter-1507",
    name="ErrTuiStylesNotFound",
    severity="CRITICAL",
    short="The notification center's style sheets are missing",
    long="Neither the installed package nor the source tree has a styles directory with .tcss files.",
    causes=("The package was built without its styles directory",),
    remedies=("Reinstall notifycenter from a wheel built with `pip install .`",),
    http_status=500,
)

WORKER_FAILED = ErrorSpec(
    code="notifycenter-1508",
    name="ErrTuiWorkerFailed",
    severity="ERROR",
    short="A background task of the notification center failed",
    long="An unexpected error stopped a background task; the rest of the notification center keeps running.",
    causes=(
        "A bug in the notification center",
        "An answer from the hub that the notification center does not understand",
    ),
    remedies=("Restart the notification center", "Report the message shown with the error"),
)

EMBEDDED_HUB_FAILED = ErrorSpec(
    code="notifycenter-1509",
    name="ErrTuiEmbeddedHubFailed",
    severity="ERROR",
    short="The embedded hub could not start",
    long="The notification center found no hub and could not start one inside itself.",
    causes=(
        "Another program took 127.0.0.1:9181 in the meantime",
        "The data directory is not writable",
    ),
    remedies=(
        "Start a hub with `notifycenter serve` and open the notification center again",
        "Set NOTIFYCENTER_DATA_DIR to a writable directory",
    ),
)

DEMO_RATE = ErrorSpec(
    code="notifycenter-1510",
    name="ErrDemoRate",
    severity="ERROR",
    short="The demo's --rate must be a positive number",
    long="--rate sets how many simulated events per second the demo producers post.",
    causes=("--rate was zero or negative",),
    remedies=("Pass --rate 2 for a calm demo or --rate 500 for a load test",),
)

TOKEN_REFUSED = ErrorSpec(
    code="notifycenter-1511",
    name="ErrTuiTokenRefused",
    severity="ERROR",
    short="The hub refused the context's token",
    long="The hub answered, so it is running and reachable, but it does not accept the token of this context; nothing can be shown.",
    causes=(
        "The context has no token and the hub requires one",
        "The token is mistyped, was rotated or was removed from the hub's token file",
    ),
    remedies=(
        "Set the right token: `notifycenter config set-context NAME --server URL --token-file FILE`, or pass --token",
        "Ask the hub's admin whether the token is still in its --token-file",
        "Press q to leave (exit status 1)",
    ),
)

EMERGENCY_COMMAND = ErrorSpec(
    code="notifycenter-1512",
    name="ErrTuiEmergencyCommand",
    severity="WARNING",
    short="The emergency view does not know this command",
    long="While an emergency has the screen, the command line takes :assign, :ack, :next and :prev.",
    causes=("The command is misspelt, or belongs to the main list",),
    remedies=(
        "Type :assign alice to hand the emergency over, or :ack with a comment",
        "Acknowledge first (a); the main list's commands work again afterwards",
    ),
)

ASSIGN_WITHOUT_USER = ErrorSpec(
    code="notifycenter-1513",
    name="ErrTuiAssignWithoutUser",
    severity="WARNING",
    short="Whom to hand it to is missing",
    long=":assign makes a user the owner of the selection (and acknowledges it when nobody has); it needs the user.",
    causes=(":assign was typed without a user",),
    remedies=("Type :assign alice (tab completes commands)",),
)

TOKEN_REVOKED = ErrorSpec(
    code="notifycenter-1514",
    name="ErrTuiTokenRevoked",
    severity="ERROR",
    short="The hub stopped accepting the context's token",
    long="The notification center was connected, then the hub refused its token. The list keeps what had arrived; nothing new arrives and no action is sent until the token is fixed.",
    causes=(
        "The token was removed from the hub's token file or rotated (the hub restarted with new tokens)",
        "The token's role was lowered so that it may no longer read events",
    ),
    remedies=(
        "Put a valid token in the context (`notifycenter config set-context NAME --token-file FILE`), then type :ctx NAME to reconnect with it",
        "Ask the hub's admin whether the token is still in its --token-file",
    ),
)
