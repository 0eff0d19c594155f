"""The PySide6 desktop client. Talks to services only, through the task runner."""
