"""Pure ML engines, one class per task: no Gradio, no database."""
