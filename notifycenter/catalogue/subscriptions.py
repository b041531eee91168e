"""Errors of subscriptions (`/api/subscriptions`), their delivery to sinks and their CLI."""

from notifycenter.model.errors import ErrorSpec

INVALID_SUBSCRIPTION = ErrorSpec(
    code="notifycenter-2000",
    name="ErrInvalidSubscription",
    severity="ERROR",
    short="The subscription is not valid",
    long="A subscription is a JSON object with a sink, a protocol and optional source, types, filters, config, protocolsettings and sinkcredential; nothing was changed.",
    causes=(
        "The body is not a JSON object, or a field has the wrong type",
        "The body names a field the Subscriptions API does not have",
        "A read-only field (id, owner, status, delivery) was sent",
    ),
    remedies=(
        "Send the fields listed in docs/api.md (Subscriptions) with their documented types",
        "Leave out id, status and delivery: the hub sets them",
    ),
    http_status=400,
)

UNKNOWN_PROTOCOL = ErrorSpec(
    code="notifycenter-2001",
    name="ErrUnknownSubscriptionProtocol",
    severity="ERROR",
    short="The subscription's protocol is not one this hub delivers to",
    long="protocol must be HTTP, ntfy, slack or smtp; nothing was changed.",
    causes=(
        "A typo in protocol",
        "A protocol of the CloudEvents Subscriptions API the hub does not implement (MQTT, AMQP, KAFKA, NATS)",
    ),
    remedies=(
        "Use HTTP for a CloudEvents receiver, ntfy, slack or smtp for people",
        "Put a CloudEvents HTTP bridge in front of other brokers",
    ),
    http_status=400,
)

INVALID_SINK = ErrorSpec(
    code="notifycenter-2002",
    name="ErrInvalidSink",
    severity="ERROR",
    short="The subscription's sink is not a usable address",
    long="sink is where deliveries go: an http(s) URL for HTTP, ntfy and slack, an address for smtp; nothing was changed.",
    causes=(
        "sink is missing, empty or not a string",
        "The URL has no scheme or host, or a scheme the protocol does not take",
    ),
    remedies=(
        "Give the full URL, e.g. https://receiver.example/events",
        "Check that the protocol matches the sink",
    ),
    http_status=400,
)

INVALID_PROTOCOL_SETTINGS = ErrorSpec(
    code="notifycenter-2003",
    name="ErrInvalidProtocolSettings",
    severity="ERROR",
    short="The subscription's protocolsettings are not valid for its protocol",
    long="Each protocol reads its own settings (HTTP: mode, method, headers, handshake; ntfy: topic, click, tags, icon; slack: format, username, icon_url, icon_emoji, channel, click; smtp: from, to, mode, starttls, validate_certs, subject_prefix, click); nothing was changed.",
    causes=(
        "A setting has the wrong type or an unknown value (mode other than binary, structured or batched)",
        "A header name or value is not valid in HTTP",
        "ntfy: a setting ntfy does not take, or a topic that is not 1 to 64 letters, digits, - and _",
        "slack: a format other than blocks or attachments, or a click or icon_url that is not an http(s) URL",
        "smtp: from or to missing or not an e-mail address, a sink that is not smtp:// or smtps://, or a sinkcredential that is not PLAIN",
    ),
    remedies=("See the protocol's settings in docs/api.md (Subscriptions) and docs/routing.md",),
    http_status=400,
)

INVALID_SINK_CREDENTIAL = ErrorSpec(
    code="notifycenter-2004",
    name="ErrInvalidSinkCredential",
    severity="ERROR",
    short="The subscription's sinkcredential is not valid",
    long="sinkcredential is an object with credential_type ACCESSTOKEN (access_token) or PLAIN (identity, secret); nothing was changed.",
    causes=(
        "credential_type is missing or unknown",
        "The fields its type needs are missing or not strings",
    ),
    remedies=(
        'Send {"credential_type": "ACCESSTOKEN", "access_token": "..."} for a bearer token',
        'Send {"credential_type": "PLAIN", "identity": "...", "secret": "..."} for basic auth',
    ),
    http_status=400,
)

INVALID_SUBSCRIPTION_CONFIG = ErrorSpec(
    code="notifycenter-2005",
    name="ErrInvalidSubscriptionConfig",
    severity="ERROR",
    short="The subscription's config has an unknown key or a bad value",
    long="config takes ratelimit, lifecycle, maxfailures, batchsize, backoffmin and backoffmax; nothing was changed.",
    causes=(
        "A key is misspelt or not one the hub reads",
        "A number is not a positive integer, or lifecycle is not true or false",
    ),
    remedies=("See config in docs/api.md (Subscriptions) for each key and its range",),
    http_status=400,
)

SUBSCRIPTION_NOT_FOUND = ErrorSpec(
    code="notifycenter-2006",
    name="ErrSubscriptionNotFound",
    severity="ERROR",
    short="No such subscription",
    long="The hub has no subscription with this id that the caller may see.",
    causes=(
        "The id is wrong or the subscription was deleted",
        "The subscription belongs to another operator (only admins see every subscription)",
    ),
    remedies=(
        "List the subscriptions you may see with `notifycenter subscriptions list`",
        "Ask an admin to look it up",
    ),
    http_status=404,
)

WEBHOOK_REFUSED = ErrorSpec(
    code="notifycenter-2007",
    name="ErrWebhookRefused",
    severity="ERROR",
    short="The sink did not allow deliveries from this hub (CloudEvents webhook validation)",
    long="Before it sends anything to an HTTP sink, the hub asks it with OPTIONS and WebHook-Request-Origin; the receiver must answer WebHook-Allowed-Origin with that origin or *. Nothing was changed.",
    causes=(
        "The receiver does not implement the CloudEvents webhook validation handshake",
        "The receiver allows other origins only",
        "The URL points at something that is not the intended receiver",
    ),
    remedies=(
        "Make the receiver answer OPTIONS with WebHook-Allowed-Origin (docs/api.md, Subscriptions)",
        'Set protocolsettings {"handshake": false} for a receiver you trust that cannot answer it',
    ),
    http_status=400,
)

WEBHOOK_UNREACHABLE = ErrorSpec(
    code="notifycenter-2008",
    name="ErrWebhookUnreachable",
    severity="ERROR",
    short="The sink could not be reached for the webhook validation handshake",
    long="The hub validates an HTTP sink when the subscription is created or updated; the receiver did not answer. Nothing was changed.",
    causes=(
        "The receiver is down, or the URL's host or port is wrong",
        "A firewall or proxy between the hub and the receiver drops the request",
    ),
    remedies=(
        "Check the URL and that the receiver is running, then retry",
        'Set protocolsettings {"handshake": false} to create it now and let delivery retry',
    ),
    http_status=502,
)

DELIVERY_FAILED = ErrorSpec(
    code="notifycenter-2009",
    name="ErrDeliveryFailed",
    severity="WARNING",
    short="A delivery to the subscription's sink failed; the hub retries from the same place",
    long="The events stay pending: the subscription's cursor only moves when the sink accepts them, so nothing is skipped.",
    causes=(
        "The sink is down, unreachable or overloaded (5xx, 429, timeout)",
        "The sink refuses the request (4xx): a wrong token, URL or payload",
    ),
    remedies=(
        "Read the detail for the sink's answer and fix the sink or the subscription",
        "Use `notifycenter subscriptions test ID` to try the sink now",
    ),
    http_status=502,
)

SUBSCRIPTION_FAILING = ErrorSpec(
    code="notifycenter-2010",
    name="ErrSubscriptionFailing",
    severity="ERROR",
    short="The subscription is failing: its deliveries have failed too many times in a row",
    long="The subscription keeps its place and keeps retrying with backoff; it becomes active again when a delivery succeeds.",
    causes=(
        "The sink has been down or refusing deliveries for a while",
        "The sink's credential expired",
    ),
    remedies=(
        "Look at the subscription's last error (`notifycenter subscriptions show ID`)",
        "Fix the sink, or update the subscription; a successful delivery clears the state",
    ),
    http_status=502,
)

SINK_TEST_FAILED = ErrorSpec(
    code="notifycenter-2011",
    name="ErrSinkTestFailed",
    severity="ERROR",
    short="The test notification did not reach the sink",
    long="POST /api/subscriptions/{id}/test sends one notification through the sink at once, outside the log and the cursor.",
    causes=(
        "The sink is down or unreachable",
        "The sink refused the notification (wrong token, URL or settings)",
    ),
    remedies=(
        "Read the sink's answer in the detail",
        "Fix the sink or update the subscription, then test again",
    ),
    http_status=502,
)

NOT_YOUR_SUBSCRIPTION = ErrorSpec(
    code="notifycenter-2012",
    name="ErrNotYourSubscription",
    severity="ERROR",
    short="Only an admin may create or change a subscription for someone else",
    long="An operator's subscriptions are their own: owner is set to the caller. Nothing was changed.",
    causes=("The request sets owner to another user with an operator's token",),
    remedies=("Leave owner out, or ask an admin to create the subscription",),
    http_status=403,
)

INVALID_SUBSCRIPTION_OPTION = ErrorSpec(
    code="notifycenter-2013",
    name="ErrInvalidSubscriptionOption",
    severity="ERROR",
    short="A `notifycenter subscriptions` option has a value that cannot be read",
    long="--filter, --setting and --config take JSON or KEY=VALUE as documented in docs/cli.md.",
    causes=(
        "--filter is not JSON",
        "--setting or --config lacks the = between key and value",
    ),
    remedies=(
        """Quote JSON for the shell: --filter '{"prefix": {"type": "io.meshery."}}'""",
        "Write --config ratelimit=10",
    ),
    http_status=400,
)

SINK_HOST_REFUSED = ErrorSpec(
    code="notifycenter-2014",
    name="ErrSinkHostRefused",
    severity="ERROR",
    short="The sink's address is on the hub's own network, which a non-admin's subscription may not reach",
    long="The sink of a subscription owned by someone who is not an admin may not resolve to a loopback, link-local (cloud metadata), private (RFC 1918, ULA) or other non-public address unless the hub's sink-hosts setting allows its host. The check runs when the subscription is created or changed (nothing was changed) and on every connection, so a name that later resolves to such an address is refused at delivery too.",
    causes=(
        "The sink names localhost, a private or link-local address, or a cloud metadata address",
        "The sink's host name resolves to such an address (an internal service, or DNS rebinding)",
    ),
    remedies=(
        "Use the receiver's public address",
        'Ask an admin to allow the host: [hub] sink-hosts = ["HOST:PORT"] or notifycenter serve --sink-host HOST:PORT',
        "Ask an admin to own the subscription",
    ),
    http_status=403,
)

HANDSHAKE_SKIP_ADMIN_ONLY = ErrorSpec(
    code="notifycenter-2015",
    name="ErrHandshakeSkipAdminOnly",
    severity="ERROR",
    short="Only an admin may turn the webhook validation handshake off",
    long="protocolsettings handshake false makes the hub post to a URL that never agreed to receive events; only an admin may set it. Nothing was changed.",
    causes=("An operator's subscription sets protocolsettings handshake to false",),
    remedies=(
        "Make the receiver answer the CloudEvents webhook validation (OPTIONS with WebHook-Allowed-Origin)",
        "Ask an admin to create the subscription",
    ),
    http_status=403,
)

INVALID_SINK_POLICY_SETTING = ErrorSpec(
    code="notifycenter-2016",
    name="ErrInvalidSinkPolicySetting",
    severity="CRITICAL",
    short="The hub's sink-hosts or public-url setting is not valid",
    long="sink-hosts (--sink-host) takes HOST or HOST:PORT, where * and ? match in the host; public-url (--public-url) an http(s) URL the readers of notifications can open. The hub did not start.",
    causes=(
        "A sink host has a path, a user or a port that is not a number",
        "public-url is not an http(s) URL with a host",
    ),
    remedies=(
        "Write --sink-host 10.0.0.5:8080, --sink-host '*.internal.example.com' or --sink-host '[fd00::1]'",
        "Write --public-url https://notify.example.com",
    ),
    http_status=500,
)
