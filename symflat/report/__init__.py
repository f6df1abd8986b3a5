"""Reports for people: terminal tables (``table``); the CLI chooses what to print."""
