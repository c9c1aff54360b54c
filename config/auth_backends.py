"""Login lock-out (django-axes) that tolerates code calling `authenticate()` without a request."""

from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    """Counts and blocks failed logins per (username, client IP); see settings `AXES_*`.

    Every login form and the admin pass the request. Only server-side code (a
    management command, `Client.login` in tests) calls `authenticate()` without
    one, and there is no client to lock out then; axes would raise instead.
    """

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
