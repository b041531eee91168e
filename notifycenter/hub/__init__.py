"""The hub (`notifycenter serve`): ingest, durable log, stream, lifecycle, auth and API.

Import the pieces you need (`notifycenter.hub.app`, `.server`, ...): this package stays
empty so that importing it costs nothing.
"""
