"""The smallest Flask application: every path answers with a short JSON document.

bench/load.py serves it with Consult's gunicorn.conf.py and settings, to measure what
gunicorn and Flask alone can do on the machine (`gunicorn bench.bare_app:app`)."""
from flask import Flask

app = Flask(__name__)


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def answer(path: str):
    """A few bytes of JSON, whatever was asked."""
    return {"status": "ok", "path": f"/{path}"}
