"""The local store: the only package that imports SQLAlchemy ORM and Alembic."""
