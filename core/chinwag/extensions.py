"""Flask extension objects, bound to an app in :func:`chinwag.app.create_app` (``init_app``)."""

from chinwag_plugin_api import Model
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy(model_class=Model)
# the Socket.IO server is per app (chinwag.state.ChinwagState.socketio): one here would be shared
# by every app of the process, rooms included
