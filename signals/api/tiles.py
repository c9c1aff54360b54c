from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from signals.tiles import signal_tile, tile_exists

MVT = "application/vnd.mapbox-vector-tile"


@require_GET
def signal_tile_view(request, z: int, x: int, y: int) -> HttpResponse:
    """GET /api/v1/tiles/<z>/<x>/<y>.mvt: public signals as a vector tile (XYZ scheme)."""
    if not tile_exists(z, x, y):
        raise Http404
    response = HttpResponse(signal_tile(z=z, x=x, y=y), content_type=MVT)
    # Short: a status change must reach the map soon; the server-side cache does the rest.
    response["Cache-Control"] = "public, max-age=60"
    return response
