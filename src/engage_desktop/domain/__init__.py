"""Pure rules and value types. No I/O; only the standard library and pure helpers."""
