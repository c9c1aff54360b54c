"""Full downloads: GeoJSON, CSV and Paris's Dans ma rue layout, streamed."""

from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from opendata import dansmarue
from opendata.exports import batched, geojson_stream, signals_csv_stream
from opendata.params import BadParameter, parse_bbox
from opendata.selectors import signals_open_data
from signals.api.filters import SignalFilter


def _filtered(request):
    """The same filters as the public API (category, status, service, dates, bbox)."""
    filterset = SignalFilter(request.GET, queryset=signals_open_data())
    if not filterset.is_valid():
        return None, {field: [str(e) for e in errs] for field, errs in filterset.errors.items()}
    queryset = filterset.qs
    if request.GET.get("bbox"):
        try:
            queryset = queryset.in_bbox(parse_bbox("bbox", request.GET["bbox"]))
        except BadParameter as error:
            return None, {"bbox": [str(error)]}
    return queryset, None


def _download(stream, content_type: str, extension: str) -> StreamingHttpResponse:
    """`stream` yields chunks of ~64 kB already (bytes, or text that Django encodes)."""
    response = StreamingHttpResponse(stream, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="signalements-{stamp}.{extension}"'
    return response


@require_GET
@gzip_page
def signals_geojson(request):
    queryset, errors = _filtered(request)
    if errors:
        return JsonResponse(errors, status=400)
    return _download(geojson_stream(queryset), "application/geo+json", "geojson")


@require_GET
@gzip_page
def signals_csv(request):
    queryset, errors = _filtered(request)
    if errors:
        return JsonResponse(errors, status=400)
    return _download(signals_csv_stream(queryset), "text/csv; charset=utf-8", "csv")


@require_GET
@gzip_page
def signals_dansmarue_csv(request):
    queryset, errors = _filtered(request)
    if errors:
        return JsonResponse(errors, status=400)
    stream = batched(dansmarue.export_stream(queryset))
    response = _download(stream, "text/csv; charset=utf-8", "csv")
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "signalements-", "dans-ma-rue-"
    )
    return response
