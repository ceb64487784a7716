"""Flask extension objects, bound to an app in :func:`chinwag.app.create_app` (``init_app``)."""

from chinwag_plugin_api import Model
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy(model_class=Model)
socketio = SocketIO()
