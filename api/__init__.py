"""The HTTP service: thin FastAPI routes over the recognition engine, with a database.

`api` may import fastapi and SQLAlchemy; `recognition_engine` never imports `api`.
"""
