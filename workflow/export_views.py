"""The queue's CSV download: the queue page's filters, every matching signal."""

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from workflow.forms import QueueFilterForm
from workflow.queue_export import queue_export_csv
from workflow.views import staff_required


@staff_required
@require_GET
def queue_export(request):
    # The file is the whole list, so the page's `cursor` means nothing here; without any
    # other parameter, the queue's default (what still needs work), as on the page.
    params = request.GET.copy()
    params.pop("cursor", None)
    if params:
        form = QueueFilterForm(params, services=request.staff.services)
        if not form.is_valid():
            # A hand-edited link: say what is wrong rather than send a file of something else.
            return HttpResponse(
                form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8"
            )
        filters = form.filters(user=request.user)
    else:
        filters = QueueFilterForm.empty_filters()
    response = StreamingHttpResponse(
        queue_export_csv(request.staff.signals(), filters),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="signalements-{stamp}.csv"'
    # Residents' descriptions and addresses: no copy kept by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response
