"""Tests of the store: repository, migrations, secrets and concurrency, on both databases."""
