"""The notification center's own widgets (the event list lives in `notifycenter.tui.event_list`)."""
