"""The mails a request commits go out after its response, not before it.

Handing a mail to the SMTP server takes a few milliseconds when it answers and up to
EMAIL_INLINE_TIMEOUT seconds when it does not; neither is the resident's or the agent's
business. The WSGI server calls the response's `close()` once it has written the whole
response (Django's own `request_finished` comes from there too): the mails are sent then,
on the same worker, while the client already has its page. Mails still pending after that
(server down) wait for `send_pending_mail`, as before.
"""

from workflow.notifications import held_until_response, mails_send


class MailsAfterResponseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with held_until_response() as held:
            response = self.get_response(request)
        if held:
            _send_when_closed(response, held)
        return response


def _send_when_closed(response, ids: list[int]) -> None:
    close = response.close

    def send_then_close():
        # Before Django's own close: `request_finished` may close the database connection.
        try:
            mails_send(ids=ids, inline=True)
        finally:
            close()

    response.close = send_then_close
