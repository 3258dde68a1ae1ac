"""The `me-lib read | provision | demo` subcommands (registered by me_lib.cli)."""
