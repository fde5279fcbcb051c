"""The Gradio Blocks app: one module per tab, widgets and event wiring only."""
