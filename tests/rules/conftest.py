from tests.store.conftest import new_database, postgres_admin_url

__all__ = ["new_database", "postgres_admin_url"]
