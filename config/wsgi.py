import os

from django.core.wsgi import get_wsgi_application

from config.request_size import ChunkedBodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A chunked request body is read up to REQUEST_MAX_BYTES, then handed to Django with its length.
application = ChunkedBodyLimit(get_wsgi_application())
