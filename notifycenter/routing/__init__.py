"""Routing notifications out of the hub: subscriptions, their sinks and durable delivery.

Core module: never imports Textual.
"""
