"""WSGI entry point for production servers: ``app = create_app()``."""
from deliberate import create_app

app = create_app()
