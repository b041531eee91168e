"""Mappings from formats that operators' systems already emit to notifycenter events.

Pure functions (no I/O, no Textual, no hub internals): the hub's ingest endpoints
(`notifycenter.hub.ingest_routes`) call them and validate what they return like any
posted event.
"""
