"""The metadata database: engine set-up, declarative base, migrations."""
