"""Background jobs: imports (a check, then the write) and large exports, run on Django's task API with progress."""
