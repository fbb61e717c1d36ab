"""Tests of assistant.accounts: sync and write-back through each provider's adapter."""
