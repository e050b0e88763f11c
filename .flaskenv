# Read by the `flask` command (python-dotenv) when run from this folder: `flask db upgrade` needs no --app.
FLASK_APP=deliberate
