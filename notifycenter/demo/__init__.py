"""Simulated Meshery producers for `notifycenter demo`."""
