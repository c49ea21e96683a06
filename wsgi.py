"""The WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""
from shop import create_app

app = create_app()
