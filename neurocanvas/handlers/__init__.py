"""Handlers: widget values in, engine/store calls, widget values out. gr.Error is raised only here."""
