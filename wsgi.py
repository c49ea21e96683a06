"""The WSGI entry point: `flask --app wsgi ...`, `gunicorn wsgi:app`."""
import gc

from shop import create_app

app = create_app()

# What start-up built (the app, its models, templates, SQLAlchemy's tables: about 150,000
# objects) lives as long as the process: keep it out of the garbage collector's rounds,
# which otherwise walk all of it again and again and show as slow requests.
gc.freeze()
