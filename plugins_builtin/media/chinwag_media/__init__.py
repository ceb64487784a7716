"""Chinwag's media plugin: attachments in the widget and the inbox, safe by default.

Uploads are sniffed from their bytes, images are re-encoded (orientation applied, EXIF/GPS
dropped), videos get a poster from a sandboxed ffmpeg, and every byte is served through
short-lived signed links. Storage is the deployment's driver: the core's ``local`` or this
distribution's ``s3``.
"""

PLUGIN_NAME = "chinwag-media"
