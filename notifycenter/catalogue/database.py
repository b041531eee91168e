"""Errors of the hub's PostgreSQL database: choosing it, reaching it, keeping it."""

from notifycenter.model.errors import ErrorSpec

INVALID_DATABASE_URL = ErrorSpec(
    code="notifycenter-2120",
    name="ErrInvalidDatabaseUrl",
    severity="ERROR",
    short="The hub's database is not a PostgreSQL URL or an SQLite file",
    long="--database, NOTIFYCENTER_DATABASE and `database` in the hub's config take postgresql://USER@HOST:PORT/DATABASE (or postgres://), sqlite:///PATH, or nothing for the SQLite file in the data directory.",
    causes=(
        "The URL has another scheme, no host or no database name",
        "A port that is not a number, or a typo in the URL",
    ),
    remedies=(
        "Write the URL as postgresql://USER@HOST:5432/DATABASE",
        "Leave the setting out to keep the SQLite log in the data directory",
    ),
)

DATABASE_UNREACHABLE = ErrorSpec(
    code="notifycenter-2121",
    name="ErrDatabaseUnreachable",
    severity="CRITICAL",
    short="The hub cannot reach its PostgreSQL database",
    long="The hub connects to PostgreSQL at start-up and whenever a connection was lost; while it cannot, requests that need the database are answered 503 and the hub keeps retrying.",
    causes=(
        "PostgreSQL is down, restarting or failing over",
        "The host or port in the URL is wrong, or a firewall or network cut is in the way",
        "The database named in the URL does not exist",
    ),
    remedies=(
        "Check the server with `pg_isready -h HOST -p PORT`",
        "Check the host, port and database name in --database (the detail names them)",
        "Retry the request after the Retry-After delay; answered events are kept",
    ),
    http_status=503,
)

DATABASE_AUTH_FAILED = ErrorSpec(
    code="notifycenter-2122",
    name="ErrDatabaseAuthFailed",
    severity="CRITICAL",
    short="PostgreSQL refused the hub's user or password",
    long="The hub logs in with the user of the URL and the password from --database-password-file, NOTIFYCENTER_DATABASE_PASSWORD_FILE, PGPASSWORD or the URL, in that order.",
    causes=(
        "The password file holds another password, or a trailing line of its own",
        "The user does not exist or pg_hba.conf does not allow it from this host",
    ),
    remedies=(
        "Check the password file and the user with `psql postgresql://USER@HOST/DATABASE`",
        "Allow the user in pg_hba.conf for the hub's address",
    ),
    http_status=503,
)

DATABASE_PASSWORD_FILE_UNREADABLE = ErrorSpec(
    code="notifycenter-2123",
    name="ErrDatabasePasswordFileUnreadable",
    severity="ERROR",
    short="The database password file cannot be read",
    long="--database-password-file (or NOTIFYCENTER_DATABASE_PASSWORD_FILE) names a file holding the password on its first line; a Kubernetes Secret mounted as a file is the usual source.",
    causes=(
        "The file does not exist or the hub's user may not read it",
        "The Secret is not mounted at that path",
    ),
    remedies=(
        "Check the path and the file's permissions",
        "Mount the Secret's key as a file and pass its path",
    ),
)

DATABASE_SCHEMA_TOO_NEW = ErrorSpec(
    code="notifycenter-2124",
    name="ErrDatabaseSchemaTooNew",
    severity="CRITICAL",
    short="The database was written by a newer hub",
    long="The hub creates and upgrades its tables itself and records the schema version; it refuses a database whose version it does not know, rather than write rows a newer hub would misread.",
    causes=("A newer hub version upgraded the database, and an older one was started on it",),
    remedies=(
        "Run the newest hub version on every replica",
        "Point this hub at another database",
    ),
)

DOORBELL_LOST = ErrorSpec(
    code="notifycenter-2125",
    name="ErrDatabaseDoorbellLost",
    severity="WARNING",
    short="The hub lost its LISTEN connection to PostgreSQL",
    long="Each replica listens for the others' commits so that its streams carry every replica's events within a second; while the connection is down it reconnects, and it catches up from the log by cursor once it is back, so no event is missed.",
    causes=("PostgreSQL restarted, failed over, or the network to it was cut",),
    remedies=("Check PostgreSQL's availability; the hub recovers by itself once it answers",),
    http_status=503,
)
