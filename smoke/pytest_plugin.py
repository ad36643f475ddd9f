"""smoke's pytest plugin (entry point ``pytest11: smoke``): only re-exports hooks."""
